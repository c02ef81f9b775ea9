"""The emulators as a Django app only so that Django finds `manage.py run_emulators`; it has no models."""

from django.apps import AppConfig


class EmulatorsConfig(AppConfig):
    name = "emulators"
    verbose_name = "Эмуляторы Эвотора и VK"
