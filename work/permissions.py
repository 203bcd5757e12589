"""Fetch-and-authorise helpers for tasks, on the rules of `cases.permissions`: a task on a case the
person may not see is a 404, the same as a missing one; visible but not theirs to change is a 403."""

from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_read
from cases.permissions import VIEW, deny, not_found
from cases.selectors import case_allows
from work.models import Task
from work.selectors import tasks_visible_to

TASK_NOT_FOUND = "No such task."
TASK_NOT_CHANGEABLE = "You can read this task but not change it: it is not yours, and you cannot record on its case."
CHANGE = "change_task"


def get_task_for_user(user: User, pk: int, *, action: str = VIEW) -> Task:
    """A task on a case `user` may see; any other is a 404. The read is audited under its case."""
    try:
        task = tasks_visible_to(user).select_related("case", "owner", "created_by", "closed_by").get(pk=pk)
    except Task.DoesNotExist:
        raise not_found(user, Task, pk, action, TASK_NOT_FOUND) from None
    audit_read(actor=user, object_type=Task, object_id=task.pk, case_reference=task.case.reference)
    return task


def task_is_changeable_by(task: Task, user: User) -> bool:
    """Its owner may work a task (accept, complete, pass on), as may anyone who records on its case."""
    return task.owner_id == user.pk or case_allows(task.case, user, Capability.RECORD_TEAM_CASES)


def get_task_for_change(user: User, pk: int) -> Task:
    """A task `user` may see and change (`task_is_changeable_by`); not visible is a 404, visible but
    not changeable a 403."""
    task = get_task_for_user(user, pk, action=CHANGE)
    if not task_is_changeable_by(task, user):
        deny(user, Task, pk, CHANGE)
        raise PermissionDenied(TASK_NOT_CHANGEABLE)
    return task
