from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.core import checks

        from cases.services.access import register_access_request_handlers
        from safeguard.links import check_base_url

        checks.register(check_base_url, checks.Tags.security, deploy=True)
        register_access_request_handlers()
