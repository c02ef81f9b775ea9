"""`make bench-fleet`'s jobs, each run in a worker process (`python -m tools.bench.worker`) on the bench database.

They only set the fleet up and pull production's triggers, through the same entry points production uses: the
work itself runs in the bench's Celery nodes.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone


def fleet_settings() -> dict:
    """What the engine on this branch says: its debounce, its slice budget (None: no slices), its beat."""
    from evosync.schedules import declared_tasks

    slice_seconds = getattr(settings, "SYNC_SLICE_SECONDS", None)
    return {
        "sync_debounce_s": settings.SYNC_DEBOUNCE_SECONDS,
        "slice_s": float(slice_seconds) if slice_seconds else None,
        "slice_headroom": getattr(settings, "SYNC_SLICE_HEADROOM", None),
        "beat": [{"name": t.name, "task": t.task, "every_s": t.every_seconds} for t in declared_tasks()],
    }


def fleet_setup(*, merchants: list[dict]) -> dict:
    """The fleet's merchants, each with a working Evotor and VK connection (as `jobs.setup_merchants`, with one
    password hash for all: hashing 500 passwords would take minutes); returns {key: merchant id}."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from connections.models import EvotorConnection, VkConnection

    password, ids = make_password("bench-password-1"), {}
    for m in merchants:
        user = User.objects.create(email=m["email"], password=password, full_name=m["name"], status=User.Status.ACTIVE)
        EvotorConnection.objects.create(
            merchant=user, evotor_user_id=m["evotor_user_id"], token=m["evotor_token"], installed=True, status="ok"
        )
        VkConnection.objects.create(
            merchant=user, access_token=m["vk_token"], source=VkConnection.Source.MANUAL, vk_user_id=m["vk_user_id"],
            vk_user_name=m["name"], group_id=m["group_id"], group_name=m["name"], status="ok",
        )  # fmt: skip
        ids[m["key"]] = user.pk
    return ids


def fleet_connect(*, merchant_ids: list[int]) -> dict:
    """Each merchant's Evotor token has just arrived: a catalog refresh is queued, as `evotor_token_received` does."""
    from catalog.triggers import on_token_received

    for merchant_id in merchant_ids:
        on_token_received(sender=None, merchant_id=merchant_id)
    return {"queued": len(merchant_ids)}


def fleet_publish(*, stores: dict[str, list[str]]) -> dict:
    """The merchants' choice of stores for VK ({merchant id: Evotor store ids}); groups are on by default.

    Written as the choice's own row update: the refresh and the first plan a switch in the page queues are left out,
    since the merchants confirm their first sync right after (`fleet_confirm`)."""
    from catalog.models import Store

    chosen = 0
    for merchant_id, evotor_ids in stores.items():
        chosen += Store.objects.filter(merchant_id=int(merchant_id), evotor_id__in=evotor_ids).update(sync_enabled=True)
    return {"stores": chosen}


def fleet_confirm(*, merchant_ids: list[int]) -> dict:
    """Each merchant confirms the first sync's plan (`vksync.triggers.confirm_plan`: the sync goes on, its run is
    queued confirmed), in the order given."""
    from vksync.triggers import confirm_plan

    merchants = get_user_model().objects.in_bulk(merchant_ids)
    runs = {}
    for merchant_id in merchant_ids:
        run = confirm_plan(merchant=merchants[merchant_id])
        runs[merchant_id] = run.pk if run else None
    return {"runs": runs}


def fleet_beat_setup(*, hour_s: float) -> dict:
    """The beat's schedule in the bench database (`install_periodic_tasks`, as `install_schedules` does); every entry
    due within the hour is made due now, so the hour starts with its first tick (a fresh beat would wait a whole
    interval first)."""
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    from evosync.schedules import install_periodic_tasks

    install_periodic_tasks()
    due = []
    now = timezone.now()
    for task in PeriodicTask.objects.select_related("interval"):
        every = task.interval.every if task.interval else None
        if every and every <= hour_s:
            PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=now - timezone.timedelta(seconds=every + 1))
            due.append({"name": task.name, "task": task.task, "every_s": every})
    PeriodicTasks.update_changed()
    return {"due": due}


JOBS = {
    "fleet_setup": fleet_setup,
    "fleet_settings": fleet_settings,
    "fleet_connect": fleet_connect,
    "fleet_publish": fleet_publish,
    "fleet_confirm": fleet_confirm,
    "fleet_beat_setup": fleet_beat_setup,
}
