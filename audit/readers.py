"""Who may read the audit trail's pages. The audit app is below accounts and does not read the role
table itself: accounts gives the check at start-up (`AccountsConfig.ready`, the role table's
`READ_AUDIT`). Until a check is given, nobody may (deny unless allowed)."""

from collections.abc import Callable
from typing import Any

ReaderCheck = Callable[[Any], bool]

_checks: list[ReaderCheck] = []


def allow_readers(check: ReaderCheck) -> None:
    """Let the people for whom `check(user)` is true read the audit trail's pages."""
    if check not in _checks:
        _checks.append(check)


def may_read_audit(user: Any) -> bool:
    """Whether `user` may read the audit trail's pages."""
    return any(check(user) for check in _checks)
