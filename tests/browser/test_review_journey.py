"""A supervisor's review, in the browser, through the pages only: sign in, see on My work and on the
dashboard that a case's supervisory review is overdue, follow "Review" from the dashboard's row to the
review page, be told what is missing when the decision is left out, record the review with an action
set as a task for the officer and a next review date, and then find the review on the case's tasks
and reviews page, the task on the case (and in the officer's My work), and the overdue review gone
from My work and from the dashboard's count. The review page is checked for accessibility with and
without its error summary."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from safeguard.formats import day
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.browser.test_accessibility import check_page
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory
from work.models import SupervisoryReview, Task
from work.rules import review_cadence
from work.selectors import london_today

pytestmark = [pytest.mark.browser, *browser_test]

DECISION = "Charging file to the CPS this week; the second device to be examined first."
ACTION = "Send the second phone for examination"


@pytest.fixture
def overdue_case(team, officer, supervisor):
    """A case at arrest, arrested within the dashboard's four weeks, last reviewed long enough ago
    that its next review (by the review cadence of the arrest stage) is three days past. Beside it a
    case of the same supervisor reviewed two days ago, whose next review is not due for a fortnight."""
    now = timezone.now()
    today = london_today(now)
    case = CaseFactory(
        team=team,
        officer_in_case=officer,
        supervisor=supervisor,
        stage=Case.Stage.ARREST,
        opened_at=now - timedelta(days=30),
    )
    ArrestFactory(case=case, arrested_at=now - timedelta(days=12))
    last = today - review_cadence(Case.Stage.ARREST) - timedelta(days=3)
    SupervisoryReview.objects.create(
        case=case,
        reviewed_on=last,
        stage=Case.Stage.ARREST,
        decision="Interview the suspect before bail ends.",
        next_review_on=last + review_cadence(Case.Stage.ARREST),
        reviewed_by=supervisor,
    )
    on_time = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=now - timedelta(days=20))
    SupervisoryReview.objects.create(
        case=on_time,
        reviewed_on=today - timedelta(days=2),
        stage=on_time.stage,
        decision="Wait for the ISP's return.",
        next_review_on=today + timedelta(days=14),
        reviewed_by=supervisor,
    )
    return case


def _reviews_overdue_on_the_dashboard(page) -> str:
    return page.locator("section[aria-labelledby=reviews-heading]").locator("strong").inner_text()


def test_a_supervisor_reviews_an_overdue_case_from_the_dashboard(
    browser_page, new_browser_page, officer, supervisor, overdue_case
):
    case = overdue_case
    today = london_today()
    page = browser_page
    sign_in(page, person_with_app(supervisor), path=reverse("work:my_work"))

    # My work: the review is overdue, with a link to record it.
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    assert page.get_by_role("heading", name="Supervisory reviews due (1, 1 overdue)").is_visible()
    reviews = page.get_by_role("table", name="Reviews due in the next week or overdue, most overdue first")
    [row] = reviews.get_by_role("row").filter(has_text=case.reference).all()
    assert "Overdue" in row.inner_text()
    assert day(today - timedelta(days=3)) in row.inner_text()
    assert row.get_by_role("link", name=f"Review {case.reference}").is_visible()

    # The dashboard: one open case past its next review, and "Review" on the case's charging row.
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard"))
    page.get_by_role("heading", level=1, name="Supervisor's dashboard").wait_for()
    assert _reviews_overdue_on_the_dashboard(page) == "1"
    charging = page.locator("section[aria-labelledby=charging-heading]")
    [case_row] = charging.get_by_role("row").filter(has_text=case.reference).all()
    follow(case_row.get_by_role("link", name=f"Review {case.reference}"))

    # The review page, first without a decision: nothing is recorded and the summary names the field.
    page.get_by_role("heading", level=1, name="Record a supervisory review").wait_for()
    check_page(page, "Record a supervisory review")
    assert page.get_by_label("Date of the review").input_value() == day(today)
    page.get_by_label("Action 1 (optional)", exact=True).fill(ACTION)
    page.get_by_label("Action 1: whose").select_option(label=str(officer))
    due = today + timedelta(days=5)
    page.get_by_label("Action 1: due date").fill(day(due))
    next_review = today + timedelta(days=14)
    page.get_by_label("Next review date").fill(day(next_review))
    follow(page.get_by_role("button", name="Save"))

    summary = page.get_by_role("alert")
    summary.get_by_role("heading", name="There is a problem").wait_for()
    link = summary.get_by_role("link", name="Decision and rationale: Fill this in.")
    assert link.get_attribute("href") == "#" + page.get_by_label("Decision and rationale").get_attribute("id")
    assert page.title().startswith("Error:")
    assert SupervisoryReview.objects.filter(case=case).count() == 1
    # What was typed is kept.
    assert page.get_by_label("Action 1 (optional)", exact=True).input_value() == ACTION
    assert page.get_by_label("Next review date").input_value() == day(next_review)
    check_page(page, "Record a supervisory review, with errors")

    link.click()  # stays on the page: the link moves focus to the field
    assert page.get_by_label("Decision and rationale").evaluate("(element) => element === document.activeElement")
    page.get_by_label("Decision and rationale").fill(DECISION)
    follow(page.get_by_role("button", name="Save"))

    # The case's tasks and reviews: the review, its action and the next review date.
    page.get_by_role("heading", level=1, name=f"Tasks and reviews of {case.reference}").wait_for()
    assert "Supervisory review recorded." in page.get_by_role("status").inner_text()
    reviews = page.get_by_role("table", name="Supervisory reviews of this case, newest first")
    newest = reviews.get_by_role("row").nth(1)
    for text in (day(today), str(supervisor), "Arrest and custody", DECISION, ACTION, day(next_review)):
        assert text in newest.inner_text()
    tasks = page.get_by_role("table", name="Tasks of this case: outstanding first, soonest due first")
    [task_row] = tasks.get_by_role("row").filter(has_text=ACTION).all()
    assert str(officer) in task_row.inner_text() and day(due) in task_row.inner_text()

    # The case page: the task to do, the officer's, and the case log saying a review was recorded.
    follow(page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=case.reference))
    work = page.locator("section#work")
    [task_row] = work.get_by_role("row").filter(has_text=ACTION).all()
    assert "To do" in task_row.inner_text() and str(officer) in task_row.inner_text()
    log = page.locator("section#case-log").inner_text()
    assert f"Supervisory review recorded; 1 action(s) set as tasks. Next review due {day(next_review)}." in log

    # My work: no review due now; the dashboard counts none overdue.
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="My work"))
    assert page.get_by_role("heading", name="Supervisory reviews due (0)").is_visible()
    assert page.get_by_text("No review is due in the next week.").is_visible()
    assert page.get_by_role("link", name=f"Review {case.reference}").count() == 0
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard"))
    assert _reviews_overdue_on_the_dashboard(page) == "0"

    review = SupervisoryReview.objects.filter(case=case).first()
    assert review is not None and review.reviewed_by == supervisor and review.next_review_on == next_review
    [task] = review.actions.all()
    assert (task.title, task.owner, task.due_on, task.status) == (ACTION, officer, due, Task.Status.OPEN)

    # The officer finds the action in their own work.
    officers_page = new_browser_page()
    sign_in(officers_page, person_with_app(officer))
    tasks = officers_page.get_by_role("table", name="Your tasks to do or to accept, soonest due first")
    assert tasks.get_by_role("link", name=ACTION).is_visible()
