"""Helpers every stage's services share: moving a case along its path and logging what was recorded."""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from accounts.models import User
from cases.models import Case, CaseLogEntry

CASE_CLOSED = "This case is closed. Reopen it before recording anything more."

# The order of the path; a case's stage only moves forward.
STAGE_ORDER = [
    Case.Stage.INVESTIGATION,
    Case.Stage.WARRANT,
    Case.Stage.SEARCH,
    Case.Stage.ARREST,
    Case.Stage.CHARGING,
    Case.Stage.COURT,
    Case.Stage.CLOSED,
]


# What other apps do when a stage is recorded (work: the tasks its rules suggest), each registered by
# the app that owns it (WorkConfig.ready), so that cases, the lower layer, names none of them. Each
# is called as `hook(case=..., actor=..., event=..., record=...)` inside the recording transaction.
StageHook = Callable[..., object]
_STAGE_HOOKS: list[StageHook] = []


def register_stage_hook(hook: StageHook) -> None:
    """Have `stage_recorded` call `hook` after every stage recorded."""
    if hook not in _STAGE_HOOKS:
        _STAGE_HOOKS.append(hook)


def stage_recorded(*, case: Case, actor: User, event: str, record: object) -> None:
    """Tell the registered hooks that `event` ("search", "arrest", "safeguarding") was recorded on
    `case` as `record`: called by the recording services, in their transaction."""
    for hook in _STAGE_HOOKS:
        hook(case=case, actor=actor, event=event, record=record)


def ensure_case_open(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ValidationError(CASE_CLOSED)


def stage_is_later(stage: str, than: str) -> bool:
    """Whether `stage` is further along the path than `than`."""
    return STAGE_ORDER.index(Case.Stage(stage)) > STAGE_ORDER.index(Case.Stage(than))


def case_advance_stage(*, case: Case, stage: str) -> None:
    """Move the case to `stage` if that is further along than where it is; never backwards."""
    if stage_is_later(stage, case.stage):
        case.stage = stage
        case.version += 1
        case.save(update_fields=["stage", "version"])


def case_log_system(*, case: Case, actor: User, text: str) -> CaseLogEntry:
    """A case-log line recording that a stage was recorded, so the log tells the whole story."""
    return CaseLogEntry.objects.create(case=case, author=actor, kind=CaseLogEntry.Kind.SYSTEM, text=text)


def not_in_future(value: datetime | date | None, *, field: str, label: str) -> None:
    """Reject a time in the future: things are recorded after they happen (five minutes' grace for clocks)."""
    if value is None:
        return
    if isinstance(value, datetime):
        too_late = value > timezone.now() + timedelta(minutes=5)
    else:
        too_late = value > timezone.localdate()
    if too_late:
        raise ValidationError({field: f"{label} cannot be in the future."})


def all_problems(*checks: Callable[[], None]) -> None:
    """Run every check, then raise one ValidationError holding every problem found, field by field,
    so that a form shows them all at once rather than one per attempt."""
    errors: dict[str, list[str]] = {}
    for check in checks:
        try:
            check()
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            for field, messages in found.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
