"""An officer's morning, in the browser, through the pages only: sign in and land on My work, see an
overdue task first, open it, mark it done with a note, and find it gone from My work and its
reminder cleared. Then the task's accessibility, and the same pages without JavaScript."""

from datetime import timedelta

import pytest

from cases.models import Notification
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.browser.test_accessibility import check_page
from tests.factories.cases import CaseFactory
from work.models import Task
from work.selectors import london_today
from work.services import task_reminder_sweep

pytestmark = [pytest.mark.browser, *browser_test]


@pytest.fixture
def overdue(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    task = Task.objects.create(
        case=case,
        title="Chase the ISP's subscriber check",
        owner=officer,
        due_on=london_today() - timedelta(days=1),
        priority=Task.Priority.HIGH,
        created_by=supervisor,
    )
    Task.objects.create(
        case=case, title="Book the interview room", owner=officer, due_on=london_today() + timedelta(days=9)
    )
    task_reminder_sweep()
    return task


def test_an_officers_morning_my_work_then_the_task_then_done(browser_page, officer, overdue):
    page = browser_page

    sign_in(page, person_with_app(officer))

    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    check_page(page, "My work")
    tasks = page.get_by_role("table", name="Your tasks to do or to accept, soonest due first")
    first = tasks.get_by_role("row").nth(1)
    assert "Overdue" in first.inner_text() and "Chase the ISP's subscriber check" in first.inner_text()
    assert page.get_by_role("heading", name="Tasks (2, 1 overdue)").is_visible()
    assert page.get_by_role("link", name="Task overdue: Chase the ISP's subscriber check").is_visible()

    follow(first.get_by_role("link", name="Chase the ISP's subscriber check"))
    assert page.get_by_role("heading", level=1).inner_text() == "Task: Chase the ISP's subscriber check"
    check_page(page, "Task page")
    follow(page.get_by_role("button", name="Mark done"))
    assert page.get_by_role("alert").is_visible(), "A note left out is announced."
    page.get_by_label("What was done").fill("Subscriber check back: account holder confirmed.")
    follow(page.get_by_role("button", name="Mark done"))

    assert "Task marked done." in page.get_by_role("status").inner_text()
    assert "Subscriber check back: account holder confirmed." in page.get_by_role("main").inner_text()
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="My work"))
    assert page.get_by_role("heading", name="Tasks (1)").is_visible()
    assert page.get_by_role("link", name="Chase the ISP's subscriber check").count() == 0
    assert Notification.objects.get(recipient=officer, kind="task").read_at is not None


def test_the_task_is_done_without_javascript(chromium, live_server, officer, overdue):
    context = chromium.new_context(
        base_url=live_server.url.replace("127.0.0.1", "localhost"), java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, person_with_app(officer))
        follow(page.get_by_role("link", name="Chase the ISP's subscriber check").first)
        page.get_by_label("What was done").fill("Done on paper first.")
        follow(page.get_by_role("button", name="Mark done"))
        assert "Task marked done." in page.get_by_role("status").inner_text()
    finally:
        context.close()

    overdue.refresh_from_db()
    assert overdue.status == Task.Status.DONE
