from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.roles import may_read_audit
        from accounts.trail import tell_the_audit_trail
        from audit.readers import allow_readers

        allow_readers(may_read_audit)
        tell_the_audit_trail()
