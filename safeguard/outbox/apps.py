from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "safeguard.outbox"
    label = "outbox"
    verbose_name = "Task outbox"
