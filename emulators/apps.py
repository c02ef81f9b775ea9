from django.apps import AppConfig


class EmulatorsConfig(AppConfig):
    name = "emulators"
