"""Cached case data: every page and export Safeguard builds, walked from the resolver as the
authorisation matrix walks it, answers `Cache-Control: no-store`, for the people who may see it and
for someone it is hidden from or refused to alike."""

import pytest
from django.urls import reverse

from tests.access.test_authorisation_matrix import PUBLIC, RULES, URLS, expected, kwargs_for, targets_for
from tests.access.world import ACTORS


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


@pytest.mark.parametrize(("name", "keys"), [(n, k) for n, k in URLS if n not in PUBLIC], ids=lambda v: str(v))
def test_a_page_with_case_or_audit_data_is_never_cached(name, keys, world, clients) -> None:
    rule = RULES[name]
    cached = []
    for target in targets_for(rule):
        url = reverse(name, kwargs=kwargs_for(world, name, keys, target) if keys else None)
        answers = {actor: expected(rule, actor, target, "GET") for actor in ACTORS}
        allowed = [actor for actor, want in answers.items() if want == "ok"]
        refused = [actor for actor, want in answers.items() if want != "ok"][:2]  # anonymous and one other
        for actor in allowed + refused:
            response = clients[actor].get(url)
            if not _no_store(response):
                header = response.get("Cache-Control")
                cached.append(f"GET {url} as {actor}: {response.status_code}, Cache-Control {header!r}")
    assert not cached, "\n".join(cached)


@pytest.mark.parametrize("name", ["login", "logout", "health"])
def test_the_sign_in_pages_are_never_cached(name, client, db) -> None:
    assert _no_store(client.get(reverse(name)))
