from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.core import checks

        from safeguard.links import check_base_url

        checks.register(check_base_url, checks.Tags.security, deploy=True)
