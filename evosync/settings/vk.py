"""VK API settings."""

import environ

env = environ.Env()

VK_API_URL = env.str("VK_API_URL", default="http://127.0.0.1:8702").rstrip("/")
VK_API_VERSION = env.str("VK_API_VERSION", default="5.199")
# VK's site, for links the merchant opens (the community's shop: VK_WEB_URL/market-<group id>).
VK_WEB_URL = env.str("VK_WEB_URL", default="https://vk.com").rstrip("/")
VK_DEFAULT_PHOTO_PATH = env.str("VK_DEFAULT_PHOTO_PATH", default="static/img/default-product.png")
VK_REQUEST_TIMEOUT_SECONDS = env.float("VK_REQUEST_TIMEOUT_SECONDS", default=30.0)
# Requests per second per user token (VK allows 3) and the safety margin added to the 1 s window, against jitter
# between our clock and VK's: 3 requests per 1.03 s (vk_api, the most used Python VK library, spaces requests
# 0.34 s apart: 3 per 1.02 s). Every 0.01 s of margin is 1 % of every sync's time; an error 6 that slips
# through is sent again (VK refused it outright), and `make bench` counts them (`rate_limited`).
VK_RATE_LIMIT_PER_SECOND = env.int("VK_RATE_LIMIT_PER_SECOND", default=3)
VK_RATE_LIMIT_MARGIN_SECONDS = env.float("VK_RATE_LIMIT_MARGIN_SECONDS", default=0.03)
# A community's own token (orders, Callback API setup, messages): VK allows it 20 requests per second.
VK_COMMUNITY_RATE_LIMIT_PER_SECOND = env.int("VK_COMMUNITY_RATE_LIMIT_PER_SECOND", default=20)
# Transient errors (6, 9, 10, 36, HTTP 5xx, network) are retried this many times, backoff doubling.
VK_MAX_RETRIES = env.int("VK_MAX_RETRIES", default=4)
VK_RETRY_BACKOFF_SECONDS = env.float("VK_RETRY_BACKOFF_SECONDS", default=1.0)

# VK ID (OAuth 2.1 authorization code + PKCE) for "Connect with VK".
VK_ID_AUTHORIZE_URL = env.str("VK_ID_AUTHORIZE_URL", default="https://id.vk.com/authorize")
VK_ID_TOKEN_URL = env.str("VK_ID_TOKEN_URL", default="https://id.vk.com/oauth2/auth")
VK_ID_CLIENT_ID = env.str("VK_ID_CLIENT_ID", default="")
VK_ID_SCOPE = env.str("VK_ID_SCOPE", default="market groups photos")
# OAuth tokens are refreshed when they expire within this many seconds.
VK_TOKEN_REFRESH_MARGIN_SECONDS = env.int("VK_TOKEN_REFRESH_MARGIN_SECONDS", default=600)
# A sync plans from the VK shop cache kept by its own writes; the whole shop is read again (hand edits in VK
# reach the plan) when the last full read is this old, and the daily reconcile beat reads every shop this often.
VK_SHOP_FULL_READ_SECONDS = env.int("VK_SHOP_FULL_READ_SECONDS", default=24 * 3600)
# Bulk photo uploads (market.getProductPhotoUploadServer bulk=1 → one POST → market.saveProductPhotoBulk): how many
# files one upload takes is not documented, so it is a setting (0: one save per photo). The upload's file fields
# are a guess too ("file1"…"file5", as other VK uploads). A community that refuses bulk is remembered.
VK_PHOTO_BULK_FILES = env.int("VK_PHOTO_BULK_FILES", default=5)
VK_PHOTO_BULK_FIELD = env.str("VK_PHOTO_BULK_FIELD", default="file{n}")
# The Callback API: VK posts the community's events to BASE_URL + this prefix + the connection's own path.
VK_CALLBACK_PATH_PREFIX = "/vk/callback/"
# Orders (orders app): the items' stock is lowered in VK as an order arrives, so the last one is not sold twice.
ORDERS_RESERVE_STOCK = env.bool("ORDERS_RESERVE_STOCK", default=True)
# market.getGroupOrders as the fallback of the Callback API (and for orders missed while EvoSync was down).
ORDERS_POLL_INTERVAL_SECONDS = env.int("ORDERS_POLL_INTERVAL_SECONDS", default=300)
# Pages of 50 orders read per poll at most (the newest first; older ones were read before).
ORDERS_POLL_PAGES = env.int("ORDERS_POLL_PAGES", default=4)
