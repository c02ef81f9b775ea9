"""A stand-in for the Evotor cloud (api.evotor.ru) for tests, the demo and benchmarks."""

from emulators.evotor.app import EvotorEmulator
from emulators.evotor.webhooks import EvotorWebhookCaller

__all__ = ["EvotorEmulator", "EvotorWebhookCaller"]
