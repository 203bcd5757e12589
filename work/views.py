"""Pages of work: My work (the landing page of officers and examiners, and the supervisor's work),
a case's tasks and reviews, a task's page and what is done on it, and a supervisor's review."""

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Capability, user_has_capability
from audit.services import audit_read
from cases.models import Case
from cases.permissions import get_case_for_change, get_case_for_user
from cases.selectors import case_allows, case_ids_changeable_by
from cases.views.case import AfterSave
from cases.views.stage import record_stage
from safeguard.forms import Form, add_service_error
from work.forms import ReviewForm, TaskCompleteForm, TaskDismissForm, TaskForm, TaskReassignForm
from work.models import SupervisoryReview, Task
from work.permissions import get_task_for_change, get_task_for_user, task_is_changeable_by
from work.selectors import case_tasks, london_today, my_work, task_state
from work.services import review_record, task_accept, task_complete, task_create, task_dismiss, task_reassign


def _lands_on_my_work(user: User) -> bool:
    """Officers and examiners start the day on My work; supervisors on the case list (their work is
    one link away), auditors and administrators on theirs."""
    return user_has_capability(user, Capability.RECORD_DEVICES) and not user_has_capability(user, Capability.SUPERVISE)


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """`/`: My work for officers and examiners; the case list (with any search asked for) otherwise."""
    if not request.GET and _lands_on_my_work(request.user):
        return redirect("work:my_work")
    query = request.GET.urlencode()
    return redirect(reverse("cases:list") + (f"?{query}" if query else ""))


# A value no row has, in the place of each row's own in `_links_of`.
_STAND_IN = "9876543210123"


def _links_of(name: str) -> Callable[[object], str]:
    """`reverse(name, args=[value])` for the many rows of a page: the URL is reversed once, with a
    stand-in that each row's value (quoted as `reverse` quotes it) then takes the place of."""
    head, _, tail = reverse(name, args=[_STAND_IN]).rpartition(_STAND_IN)
    return lambda value: f"{head}{quote(str(value), safe=RFC3986_SUBDELIMS + '/~:@')}{tail}"


@require_GET
def my_work_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    work = my_work(user, now=timezone.now())
    shown = sorted(
        {d.case.reference for d in work.deadlines}
        | {t.case.reference for t in work.tasks}
        | {c.reference for c in work.cases}
        | {r.case.reference for r in work.reviews}
        | {n.case.reference for n in work.notifications if n.case is not None}
    )
    audit_read(
        actor=user,
        object_type=Case,
        request=request,
        summary=f"My work: {len(shown)} case(s) shown",
        changes={"page": "My work", "cases": shown},
    )
    task_link, case_link, review_link = map(_links_of, ("work:task_detail", "cases:detail", "work:review_add"))
    tasks = [
        (task, task_state(task, work.today), task_link(task.pk), case_link(task.case.reference)) for task in work.tasks
    ]
    context = {
        "work": work,
        "tasks": tasks,
        "cases": [(case, case_link(case.reference)) for case in work.cases],
        "reviews": [(review, review_link(review.case.reference)) for review in work.reviews],
        "changeable": case_ids_changeable_by(user, (d.case.pk for d in work.deadlines)),
        "supervises": user_has_capability(user, Capability.SUPERVISE),
        "nav": "my_work",
    }
    return render(request, "work/my_work.html", context)


@require_GET
def case_work(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """A case's tasks, suggested, to do and closed, and its supervisory reviews."""
    case = get_case_for_user(request.user, reference)
    today = london_today()
    tasks = [(task, task_state(task, today)) for task in case_tasks(case)]
    reviews = SupervisoryReview.objects.filter(case=case).select_related("reviewed_by").prefetch_related("actions")
    context = {
        "case": case,
        "tasks": tasks,
        "reviews": list(reviews),
        "may_record": case.status == Case.Status.OPEN and case_allows(case, request.user, Capability.RECORD_TEAM_CASES),
        "may_review": case.status == Case.Status.OPEN and user_has_capability(request.user, Capability.SUPERVISE),
        "nav": "cases",
    }
    return render(request, "work/case_work.html", context)


@require_http_methods(["GET", "POST"])
def task_create_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Set a task on a case. Other pages link here with the owner, what is to be done or the due date
    filled in (`?owner=<id>&title=...&due_on=...`)."""
    case = get_case_for_change(request.user, reference)
    initial = {name: request.GET[name] for name in ("owner", "title", "due_on", "priority") if name in request.GET}
    initial.setdefault("owner", str(case.officer_in_case_id))
    form = TaskForm(request.POST or None, case=case, initial=initial)
    after = AfterSave()

    def save(data: dict[str, Any]) -> None:
        task = task_create(case=case, actor=request.user, **data)
        after.url = task.get_absolute_url()

    return record_stage(
        request, case=case, form=form, save=save, title="Set a task", success="Task set.", redirect_to=after
    )


def _task_page(request: AuthenticatedHttpRequest, task: Task, *, status: int = 200, **forms: Form) -> HttpResponse:
    may_change = task_is_changeable_by(task, request.user)
    context = {
        "case": task.case,
        "task": task,
        "state": task_state(task, london_today()),
        "reassignments": task.reassignments.select_related("from_owner", "to_owner", "by"),
        "may_change": may_change and task.case.status == Case.Status.OPEN,
        "complete_form": forms.get("complete_form") or TaskCompleteForm(),
        "reassign_form": forms.get("reassign_form") or TaskReassignForm(task=task),
        "dismiss_form": forms.get("dismiss_form") or TaskDismissForm(),
        "accept_form": forms.get("accept_form"),
        "nav": "my_work",
    }
    return render(request, "work/task_detail.html", context, status=status)


@require_GET
def task_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _task_page(request, get_task_for_user(request.user, pk))


def _act(request: AuthenticatedHttpRequest, task: Task, form: Form, name: str, act: Any, success: str) -> HttpResponse:
    """Validate `form` (shown on the task's page as `name`), call `act(cleaned_data)`, and go back to
    the task with `success`; a problem is shown on the task's page with a 400."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect(task)
    return _task_page(request, task, status=400, **{name: form})


@require_POST
def task_complete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_change(request.user, pk)
    form = TaskCompleteForm(request.POST)
    return _act(
        request,
        task,
        form,
        "complete_form",
        lambda data: task_complete(task=task, actor=request.user, note=data["note"]),
        "Task marked done.",
    )


@require_POST
def task_reassign_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_change(request.user, pk)
    form = TaskReassignForm(request.POST, task=task)
    return _act(
        request,
        task,
        form,
        "reassign_form",
        lambda data: task_reassign(task=task, actor=request.user, owner=data["owner"], reason=data["reason"]),
        "Task passed on.",
    )


@require_POST
def task_accept_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_change(request.user, pk)
    accept = lambda data: task_accept(task=task, actor=request.user)  # noqa: E731
    return _act(request, task, Form(request.POST), "accept_form", accept, "Task accepted.")


@require_POST
def task_dismiss_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_change(request.user, pk)
    form = TaskDismissForm(request.POST)
    return _act(
        request,
        task,
        form,
        "dismiss_form",
        lambda data: task_dismiss(task=task, actor=request.user, reason=data["reason"]),
        "Suggested task dismissed.",
    )


@require_http_methods(["GET", "POST"])
def review_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """A supervisor records a review of the case, its actions set as tasks."""
    case = get_case_for_change(request.user, reference, capability=Capability.SUPERVISE)
    form = ReviewForm(request.POST or None, case=case, initial={"reviewed_on": london_today()})
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: review_record(case=case, actor=request.user, **form.review()),
        title="Record a supervisory review",
        success="Supervisory review recorded.",
        redirect_to=reverse("work:case_work", kwargs={"reference": case.reference}),
    )
