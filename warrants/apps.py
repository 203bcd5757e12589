from django.apps import AppConfig


class WarrantsConfig(AppConfig):
    name = "warrants"
    verbose_name = "Search warrants"
