"""The VK sync engine: debouncing, locks, schedule."""

import environ

env = environ.Env()

# Evotor events within this many seconds lead to one sync.
SYNC_DEBOUNCE_SECONDS = env.int("SYNC_DEBOUNCE_SECONDS", default=60)
# A running sync silent for this long was interrupted; the next run takes over. The per-merchant sync lock
# lasts as long and is renewed by every heartbeat (a killed worker frees the merchant when its run goes stale).
SYNC_STALE_SECONDS = env.int("SYNC_STALE_SECONDS", default=300)
# The largest default product photo a merchant may upload on the sync settings page.
SYNC_DEFAULT_PHOTO_MAX_BYTES = env.int("SYNC_DEFAULT_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# A run that failed for a passing reason (VK or Redis briefly away) is tried again after this many seconds,
# doubling each time (five times at most); after a Redis error, half as long.
SYNC_RETRY_BACKOFF_SECONDS = env.int("SYNC_RETRY_BACKOFF_SECONDS", default=60)
# A stock-and-price push that meets another run of the merchant (a full sync) follows it: tried again after this
# many seconds, doubling, until the merchant is free.
STOCK_PUSH_RETRY_SECONDS = env.float("STOCK_PUSH_RETRY_SECONDS", default=5)
# A long run works in slices of at most this many seconds (a step starts only if it fits; a catalog refresh's
# picture checks too): it stops at a safe point (a whole batch written, the VK cache and links in step), lets the
# worker and the merchant's lock go, and queues its next slice behind other work, so a small shop's sync waits
# behind at most one slice. 0: no slices. Only the Celery task slices a run; manage.py commands and the
# benchmarks run to the end.
SYNC_SLICE_SECONDS = env.float("SYNC_SLICE_SECONDS", default=60)
# The share of a slice no step is planned into (its deadline comes this much sooner): room for a step longer than
# every one of its kind before it, a closing longer than the margin, and Celery's own time around the task. 0.10 by
# default: in the full `make bench-fleet` on one day 0.10 left 18 first-sync tasks over the slice where 0.05 left 30,
# and the wave was no longer (most of those over were over by less than 5 % of it); 0.15 was measured worse while
# every slice planned the whole catalog (each slice did less, so runs planned more often, the load grew and every
# step got longer; docs/benchmarks.md).
SYNC_SLICE_HEADROOM = env.float("SYNC_SLICE_HEADROOM", default=0.10)
# A sliced run whose items wait for their pictures (a first sync: none is known yet) learns them in slices of their
# own, and plans again once this many were learnt since the last plan, or none is left. 25 by default, one item
# batch: while pictures are still to be learnt a plan sends whole batches only, so a plan after fewer sent nothing
# (with 1, a big shop's tail planned its 20,000 products after every learning slice of a few checks, for nothing).
# 500 was measured worse in the full `make bench-fleet` (a big shop's items waited while its learning slices met
# Evotor's window; docs/benchmarks.md).
SYNC_PICTURES_BEFORE_PLAN = env.int("SYNC_PICTURES_BEFORE_PLAN", default=25)
# A sliced run reads what the catalog wants in VK once, in its first slices, and keeps it in the cache (Redis) for
# its later slices this long after its last change (vksync.run_catalog); a run that outlasts it reads it again.
SYNC_CATALOG_KEPT_SECONDS = env.int("SYNC_CATALOG_KEPT_SECONDS", default=7200)
# A run whose next slice waits in the queue counts as alive for this long (a queue of other shops' slices ahead
# of it); then the next trigger's run takes over, from the cache the slices kept true.
SYNC_SLICE_WAIT_SECONDS = env.int("SYNC_SLICE_WAIT_SECONDS", default=1800)
# The beat's tick for the per-merchant periodic jobs (catalog refreshes, VK shop reads, order polls): each tick
# hands out the merchants whose moment in the interval came since the last (core.spread).
SCHEDULE_TICK_SECONDS = env.int("SCHEDULE_TICK_SECONDS", default=60)
