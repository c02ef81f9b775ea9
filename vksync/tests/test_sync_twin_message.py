"""One sync message delivered twice, to two workers at once (make chaos's two_workers): the worker that lost the
lock drops the run it was given while the other, holding the lock, has not claimed it yet. The holder must not
go on with a run whose row is gone."""

from vksync import runs
from vksync.engine import run_sync
from vksync.models import SyncRun


def test_holder_does_not_claim_a_run_its_twin_message_dropped(shop):
    run = runs.new_run(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL)
    with runs.merchant_sync_lock(shop.merchant, run) as holder:  # worker A took the lock, not the claim yet
        assert holder
        assert run_sync(merchant=shop.merchant, run=run) is None  # worker B, the same message: refused
        assert not SyncRun.objects.filter(pk=run.pk).exists()  # B dropped the queued run it was handed
        assert runs.claim(run) is False  # was True: A synced under a run with no row, then crashed reading it
    assert not SyncRun.objects.filter(merchant=shop.merchant, status=SyncRun.Status.RUNNING).exists()
