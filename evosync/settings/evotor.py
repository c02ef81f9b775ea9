"""Evotor cloud API and webhook settings.

Marked [guess] in ../shared/reference/evotor-api.md, hence settings: page size, retry
waits, how long a 429 may hold a worker.
"""

import environ

env = environ.Env()

EVOTOR_API_URL = env.str("EVOTOR_API_URL", default="http://127.0.0.1:8701").rstrip("/")
EVOTOR_APP_ID = env.str("EVOTOR_APP_ID", default="")
EVOTOR_WEBHOOK_SECRET = env.str("EVOTOR_WEBHOOK_SECRET", default="")
CATALOG_REFRESH_INTERVAL_SECONDS = env.int("CATALOG_REFRESH_INTERVAL_SECONDS", default=3600)

# The client: seconds to wait for an answer, retries on 429/5xx/network errors, backoff between
# them (doubling), and the longest X-RateLimit-Reset worth waiting for inside one request; a longer
# 429 (one source says ~30 minutes) gives up and leaves the work to the next scheduled refresh.
EVOTOR_TIMEOUT_SECONDS = env.float("EVOTOR_TIMEOUT_SECONDS", default=30)
EVOTOR_MAX_RETRIES = env.int("EVOTOR_MAX_RETRIES", default=4)
EVOTOR_RETRY_BACKOFF_SECONDS = env.float("EVOTOR_RETRY_BACKOFF_SECONDS", default=1.0)
EVOTOR_MAX_RETRY_WAIT_SECONDS = env.float("EVOTOR_MAX_RETRY_WAIT_SECONDS", default=60)
# Requests per second per Evotor token, across every process (connections.ratelimit, its own keys): Evotor
# publishes no quota, only X-RateLimit-* headers and a 429 over it; the client also waits out a Remaining of 0
# until X-RateLimit-Reset. Picture downloads are not paced (no token). 0: not paced.
EVOTOR_RATE_LIMIT_PER_SECOND = env.int("EVOTOR_RATE_LIMIT_PER_SECOND", default=10)
EVOTOR_RATE_LIMIT_MARGIN_SECONDS = env.float("EVOTOR_RATE_LIMIT_MARGIN_SECONDS", default=0.1)
# Safety bounds: pages read from one list, bytes of one product picture.
EVOTOR_MAX_PAGES = env.int("EVOTOR_MAX_PAGES", default=1000)
EVOTOR_IMAGE_MAX_BYTES = env.int("EVOTOR_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)

# Catalog refresh: the per-merchant lock's lifetime and how many product pictures one refresh
# may check (each costs an Evotor request); the rest wait for the next refresh.
CATALOG_REFRESH_LOCK_SECONDS = env.int("CATALOG_REFRESH_LOCK_SECONDS", default=1800)
# A refresh in a worker task reads until its slice's deadline (SYNC_SLICE_SECONDS) and its next task goes on from
# there (catalog.models.CatalogRead); syncs wait meanwhile. A read whose next task has not come for this long (its
# worker died, its retries ran out) is started over by the next refresh, and syncs no longer wait for it.
CATALOG_READ_STALE_SECONDS = env.int("CATALOG_READ_STALE_SECONDS", default=900)
CATALOG_IMAGE_CHECKS_PER_REFRESH = env.int("CATALOG_IMAGE_CHECKS_PER_REFRESH", default=2000)
# A product's pictures are read again once checked longer ago than this (within the checks above): Evotor's
# product list does not say when only a picture changed (whether the product's updated_at moves is not documented).
CATALOG_IMAGE_RECHECK_SECONDS = env.int("CATALOG_IMAGE_RECHECK_SECONDS", default=24 * 3600)
# Pictures kept per product, in Evotor's order: VK shows a main photo and up to four more.
CATALOG_IMAGES_PER_PRODUCT = env.int("CATALOG_IMAGES_PER_PRODUCT", default=5)
# Evotor's legacy product push (a product made on a terminal) triggers one refresh after this many
# seconds; further pushes in the meantime ride along with it.
EVOTOR_PUSH_REFRESH_DELAY_SECONDS = env.int("EVOTOR_PUSH_REFRESH_DELAY_SECONDS", default=60)
# Switching stores or groups on/off re-reads the catalog this many seconds later (switches meanwhile ride along).
CATALOG_SELECTION_REFRESH_DELAY_SECONDS = env.int("CATALOG_SELECTION_REFRESH_DELAY_SECONDS", default=15)
# Modifications (variants). The reference is thin on their shape [doc existence; shape partly seen], so the field
# names are settings: the product group (the card) declares its attributes under EVOTOR_VARIANT_ATTRIBUTES_FIELD
# (a list of {id, name, choices: [{id, name}]}); each product of that group carries its choice of every attribute
# under EVOTOR_VARIANT_CHOICES_FIELD ({attribute id: choice id}; a name or a plain value is accepted too).
EVOTOR_VARIANT_ATTRIBUTES_FIELD = env.str("EVOTOR_VARIANT_ATTRIBUTES_FIELD", default="attributes")
EVOTOR_VARIANT_CHOICES_FIELD = env.str("EVOTOR_VARIANT_CHOICES_FIELD", default="attributes_choices")

# The register → VK fast path. Receipts and store documents Evotor notifies (or its Events API reports) name
# products; their stock and price are read again STOCK_SYNC_DEBOUNCE_SECONDS after the first notice of a burst
# (notices meanwhile ride along: 50 receipts in a minute make one or two pushes), at most STOCK_RECHECK_MAX
# products per recheck; a recheck that meets a running catalog refresh (or Evotor briefly away) comes back after
# STOCK_RECHECK_RETRY_SECONDS, doubling.
STOCK_SYNC_DEBOUNCE_SECONDS = env.float("STOCK_SYNC_DEBOUNCE_SECONDS", default=30)
STOCK_RECHECK_MAX = env.int("STOCK_RECHECK_MAX", default=1000)
STOCK_RECHECK_RETRY_SECONDS = env.float("STOCK_RECHECK_RETRY_SECONDS", default=10)
# Evotor's Events API (`GET /api/apps/{EVOTOR_APP_ID}/events`, the publisher's token): the fallback where the
# notifications are not configured. Off by default; when on, beat polls it every EVOTOR_EVENTS_POLL_SECONDS.
EVOTOR_EVENTS_POLLING = env.bool("EVOTOR_EVENTS_POLLING", default=False)
EVOTOR_EVENTS_POLL_SECONDS = env.int("EVOTOR_EVENTS_POLL_SECONDS", default=60)
EVOTOR_PUBLISHER_TOKEN = env.str("EVOTOR_PUBLISHER_TOKEN", default="")
