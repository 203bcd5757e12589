from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from api.authentication import request_sender
        from cases.middleware import REQUEST_SENDERS

        # A file refused before any view runs (cases.middleware) is recorded with the client named.
        if request_sender not in REQUEST_SENDERS:
            REQUEST_SENDERS.append(request_sender)
