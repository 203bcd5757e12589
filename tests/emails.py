"""Links in e-mails: each one absolute, on SAFEGUARD_BASE_URL."""

import re

from django.conf import settings

# A URL with a scheme, or a path of Safeguard's (a word starting with "/") that a mail reader could not open.
_ABSOLUTE = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_PATH = re.compile(r"(?:^|\s)(/[\w./?=&%-]+)")


def links_in(body: str) -> list[str]:
    """Every absolute URL in `body`; fails on a relative path, which no mail reader can open."""
    relative = _PATH.findall(_ABSOLUTE.sub(" ", body))
    assert relative == [], f"relative links in the e-mail: {relative}"
    return _ABSOLUTE.findall(body)


def assert_links_on_base_url(body: str) -> list[str]:
    """Every link in `body` starts with SAFEGUARD_BASE_URL and a slash; returns them."""
    links = links_in(body)
    for link in links:
        assert link.startswith(settings.SAFEGUARD_BASE_URL + "/"), link
    return links
