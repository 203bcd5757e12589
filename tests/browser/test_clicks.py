"""Every click in the browser tests that opens a page waits for that page (`follow` in conftest.py).

A bare `.click()` on a link or a form's button returns before the next page has loaded, so what the
test checks next can be read from the page being left. A click that stays on the page (a link to a
field, a button handled by the page's script) says so on its line.
"""

import ast
from pathlib import Path

STAYS = "# stays on the page"


def bare_clicks(source: str) -> list[int]:
    """The lines of `source` with a `.click()` that is neither in `follow` nor marked as staying."""
    lines = source.splitlines()
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "click"
        and STAYS not in lines[node.lineno - 1]
        and "def follow" not in "\n".join(lines[max(0, node.lineno - 4) : node.lineno])
    ]


def test_the_check_finds_a_bare_click_and_passes_a_followed_or_marked_one():
    source = 'page.get_by_role("link", name="Cases").click()\nfollow(page.get_by_role("link", name="Cases"))\n'
    source += f'page.get_by_role("link", name="Decision").click()  {STAYS}: focus\n'
    assert bare_clicks(source) == [1]


def test_no_browser_test_clicks_to_a_new_page_without_waiting_for_it():
    found = {
        f"{path.name}:{line}"
        for path in sorted(Path(__file__).parent.glob("*.py"))
        if path.name != Path(__file__).name
        for line in bare_clicks(path.read_text())
    }
    assert not found, f"Use follow() for a click that opens a page, or mark the line '{STAYS}': {sorted(found)}"
