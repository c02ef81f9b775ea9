"""A worker process's garbage collections: what it holds from its start is kept out of their way."""

import gc


def test_a_worker_process_moves_its_startup_heap_out_of_the_garbage_collectors_way():
    """A full collection holds the GIL and stops every slot of a threads pool's node: what a worker process holds
    from its start (Django, the apps, Celery) is frozen once, so a collection no longer walks it."""
    from celery.signals import worker_process_init, worker_ready

    from evosync.celery import freeze_startup_heap

    assert freeze_startup_heap in [receiver() for _key, receiver in worker_ready.receivers]
    assert freeze_startup_heap in [receiver() for _key, receiver in worker_process_init.receivers]
    try:
        worker_ready.send(sender=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
