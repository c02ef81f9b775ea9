"""A worker process's garbage collections: what it holds from its start is kept out of their way."""

import gc


def test_a_worker_process_moves_its_startup_heap_out_of_the_garbage_collectors_way():
    """A full collection holds the GIL and stops every slot of a threads pool's node: what a worker process holds
    from its start (Django, the apps, Celery) is frozen once, so a collection no longer walks it, and full
    collections come a tenth as often."""
    from celery.signals import worker_process_init, worker_ready

    from evosync.celery import FULL_COLLECTION_EVERY, freeze_startup_heap

    assert freeze_startup_heap in [receiver() for _key, receiver in worker_ready.receivers]
    assert freeze_startup_heap in [receiver() for _key, receiver in worker_process_init.receivers]
    threshold = gc.get_threshold()
    try:
        worker_ready.send(sender=None)
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == (threshold[0], threshold[1], FULL_COLLECTION_EVERY) != threshold
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
