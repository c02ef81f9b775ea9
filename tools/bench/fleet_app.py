"""The Celery app of `make bench-fleet`'s worker nodes: EvoSync's own (`evosync.celery.app`), with the bench's
probes installed (`fleet_probe`: statements counted, each task's times written down). The nodes run
`celery -A tools.bench.fleet_app worker …` where compose runs `celery -A evosync worker …`; nothing else differs."""

from evosync.celery import app
from tools.bench import fleet_probe

fleet_probe.install()

__all__ = ["app"]
