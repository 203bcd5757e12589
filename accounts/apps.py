from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.roles import may_read_audit
        from audit.readers import allow_readers

        allow_readers(may_read_audit)
