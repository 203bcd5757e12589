"""What the anomaly flags need to know about cases and people, given by the apps that own them.

The audit app is the bottom layer and imports no other app: cases tells it, at start-up
(`CasesConfig.ready`), which of a set of case references are restricted, whose team each belongs to
and who is in charge of it; accounts tells it which teams people are in (`AccountsConfig.ready`), as
accounts already tells it who may read it (audit.readers). Until a reader is given, the flags that
need it raise nothing.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseFacts:
    team_id: int | None
    restricted: bool
    # The officer in the case and the supervisor: their reads of a restricted case are their work.
    in_charge: frozenset[int] = field(default_factory=frozenset)


CaseFactsReader = Callable[[Collection[str]], dict[str, CaseFacts]]
TeamsReader = Callable[[Collection[int]], dict[int, set[int]]]

_case_facts: list[CaseFactsReader] = []
_teams: list[TeamsReader] = []


def give_case_facts(reader: CaseFactsReader) -> None:
    """`reader(references)`: the facts of each existing case among `references`, by reference."""
    if reader not in _case_facts:
        _case_facts.append(reader)


def give_teams(reader: TeamsReader) -> None:
    """`reader(user_ids)`: the ids of the teams each person is in, by user id."""
    if reader not in _teams:
        _teams.append(reader)


def case_facts(references: Collection[str]) -> dict[str, CaseFacts]:
    found: dict[str, CaseFacts] = {}
    for reader in _case_facts:
        found.update(reader(references))
    return found


def teams_of(user_ids: Collection[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for reader in _teams:
        for user_id, teams in reader(user_ids).items():
            found.setdefault(user_id, set()).update(teams)
    return found
