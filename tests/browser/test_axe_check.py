"""The accessibility check itself can fail: axe-core, run as tests/browser/test_accessibility.py
runs it, reports a field that has no label."""

import pytest

from tests.browser.test_accessibility import AXE, RUN_AXE, WCAG_AA

pytestmark = pytest.mark.browser


def test_the_check_finds_a_field_without_a_label(chromium):
    """The check can fail: axe-core, run as above, reports an unlabelled field."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content('<!doctype html><html lang="en-GB"><title>t</title><main><h1>T</h1><input></main></html>')
        page.evaluate(AXE)
        violations = page.evaluate(RUN_AXE, WCAG_AA)
    finally:
        context.close()
    assert "label" in {violation["id"] for violation in violations}
