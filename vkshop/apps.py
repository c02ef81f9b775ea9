from django.apps import AppConfig


class VkshopConfig(AppConfig):
    name = "vkshop"
    verbose_name = "Магазин VK"
