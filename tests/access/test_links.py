"""Links lead where the person may go: every link on the pages a person can reach, followed as
that person, opens (200, or a redirect to a page that does). No link to a page that answers 403,
404 or 405: an action is shown only to people who may take it (the authorisation matrix,
tests/access/test_authorisation_matrix.py, says who may open each page; this walks the pages
themselves, as every kind of person in tests/access/world.py).

From each person's start pages (the case list, each case page, each referral page, their other
menu pages) every internal link is followed, breadth first, until no page has a link not yet
followed: every page the person can reach by links is opened once. MAX_PAGES is a safety bound
only; reaching it fails the test rather than leaving pages unvisited.
"""

import re
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse

from tests.access.world import ACTORS, build_world
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db

HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
# Pages that are not for following as a person browsing: the figures' CSV download.
NOT_PAGES = re.compile(r"format=csv|/static/")
MAX_PAGES = 600


def _links(base: str, html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        url, _fragment = urldefrag(urljoin(base, href.replace("&amp;", "&")))
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "testserver") and url and not NOT_PAGES.search(url):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _get(client: BrowserClient, url: str):
    with transaction.atomic():
        response = client.get(url, follow=True)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("actor", [actor for actor in ACTORS if actor != "anonymous"])
def test_every_link_a_person_is_shown_opens_for_them(actor):
    world = build_world()
    client = BrowserClient()
    client.force_login(world.users[actor])
    starts = [reverse("cases:list"), reverse("cases:referral_list"), reverse("cases:deadlines")]
    starts += [reverse("cases:detail", kwargs={"reference": case.reference}) for case in world.cases.values()]
    starts += [reverse("cases:referral_detail", kwargs={"pk": referral.pk}) for referral in world.referrals.values()]

    seen: dict[str, str] = {}  # url -> the page that linked to it
    broken = []
    frontier = [(url, "(start)") for url in starts]
    while frontier:
        following = []
        for url, linked_from in frontier:
            if url in seen:
                continue
            assert len(seen) < MAX_PAGES, f"{actor} reaches over {MAX_PAGES} pages: raise MAX_PAGES"
            seen[url] = linked_from
            response = _get(client, url)
            if response.status_code != 200:
                if linked_from != "(start)":
                    broken.append(f"{url} ({response.status_code}), linked from {linked_from}")
                continue
            if "text/html" in response["Content-Type"]:
                following += [(link, url) for link in _links(url, response.content.decode()) if link not in seen]
        frontier = following
    assert broken == [], f"Links {actor} is shown but may not follow:\n" + "\n".join(broken)
