"""Absolute links for e-mails: SAFEGUARD_BASE_URL (settings) plus the page's path."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

BASE_URL_MISSING = (
    "SAFEGUARD_BASE_URL is not set: e-mails cannot link to Safeguard. Set it to the address people open "
    "Safeguard at, such as https://safeguard.police.example (.env.example)."
)


def absolute_url(viewname: str, **kwargs: Any) -> str:
    """The absolute URL of a page, for a link in an e-mail. Raises ImproperlyConfigured without
    SAFEGUARD_BASE_URL rather than send a link that leads nowhere."""
    if not settings.SAFEGUARD_BASE_URL:
        raise ImproperlyConfigured(BASE_URL_MISSING)
    return settings.SAFEGUARD_BASE_URL + reverse(viewname, kwargs=kwargs or None)


def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: e-mails need SAFEGUARD_BASE_URL for their links."""
    if settings.SAFEGUARD_BASE_URL:
        return []
    return [checks.Error(BASE_URL_MISSING, id="safeguard.E001")]
