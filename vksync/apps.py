from django.apps import AppConfig


class VksyncConfig(AppConfig):
    name = "vksync"
