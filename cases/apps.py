from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.core import checks

        from cases.services.access import register_access_request_handlers
        from cases.trail import tell_the_audit_trail
        from safeguard.links import check_base_url

        checks.register(check_base_url, checks.Tags.security, deploy=True)
        tell_the_audit_trail()
        register_access_request_handlers()
