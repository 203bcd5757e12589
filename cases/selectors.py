"""User-scoped reads. Every list of case data starts from `cases_visible_to`."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import BigIntegerField, Exists, F, Lookup, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Upper
from django.urls import reverse

from accounts.models import Team, User
from accounts.roles import Capability, roles_of, roles_with, user_has_capability
from cases.identifiers import (
    normalise_account,
    normalise_email,
    normalise_ip,
    normalise_name,
    normalise_phone,
    normalise_pnc,
    normalise_postcode,
    normalise_reference,
)
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    DeconflictionMatch,
    IndexedIdentifier,
    RecordVersion,
    Referral,
    Subject,
)
from cases.models.access import CaseUserObjectPermission
from safeguard.keyset import Page, Position, keyset_page


class _AnyOf(Lookup):
    """`<column> = ANY(ARRAY(<subquery>))`: the subquery runs once, and its result can drive an index
    scan even inside an OR, where `IN (<subquery>)` or a correlated EXISTS makes PostgreSQL test
    every row of the table (docs/performance.md)."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def any_of(column: str, values: QuerySet) -> _AnyOf:
    return _AnyOf(F(column), ArraySubquery(values))


def one_of_ids(column: str, ids: Iterable[int]) -> _AnyOf:
    """`<column> = ANY(%s::bigint[])` with `ids` as one array parameter: the SQL is the same whatever
    their number, and PostgreSQL reads the rows by index, id by id (or, filtering many rows, looks
    each up in a hash of the array). The array is passed as its text ('{1,2,3}'): thousands of ids
    cost a join of strings, not a conversion of each id by Django and then by the driver."""
    text = "{" + ",".join(str(int(pk)) for pk in sorted(ids)) + "}"
    return _AnyOf(F(column), RawSQL("%s::bigint[]", (text,), output_field=ArrayField(BigIntegerField())))


def _granted(user: User, codename: str, case: str = "pk") -> Q:
    """Cases on which `user` holds `codename`, granted to them by name or to one of their groups
    (`case`: the case's id, as a column of the queried model)."""
    to_user = CaseUserObjectPermission.objects.filter(user_id=user.pk, permission__codename=codename)
    to_group = CaseGroupObjectPermission.objects.filter(group__user=user.pk, permission__codename=codename)
    return Q(any_of(case, to_user.values("content_object_id"))) | Q(any_of(case, to_group.values("content_object_id")))


def own_teams(user: User) -> QuerySet[Team]:
    """The person's own teams: the team filter of the case list, the dashboard and the deadlines page.
    (Cases of other teams they may see are still listed under "any team".) Read from the person's
    teams, not from every case they may see, so a filter costs the same whatever a team's history."""
    return user.teams.select_related("force").order_by("name")


def own_team_members(user: User) -> QuerySet[User]:
    """Active members of the person's own teams: the officer filter of the case list, the dashboard
    and the deadlines page. Not the whole force: a list of thousands of names is no filter."""
    members = User.objects.filter(is_active=True, teams__in=own_teams(user)).distinct()
    return members.order_by("last_name", "first_name")


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases `user` may see, as one SQL query (docs/access.md):

    - a case granted to them (view_case), restricted or not;
    - otherwise, an unrestricted case they are the officer in the case or supervisor of;
    - otherwise, an unrestricted case of one of their teams, if their role reads team cases
      (officers and supervisors; not examiners, auditors or administrators).

    The role is an uncorrelated EXISTS (evaluated once); the person's teams and grants are
    `= ANY(ARRAY(...))` of subqueries on indexed columns, so every branch of the OR is an index scan
    (a bitmap OR) and the cost follows the cases the person may see, not the size of the table.
    Nothing is filtered in Python.
    """
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    granted, as_officer, as_supervisor, of_team = _ways_to_see(user)
    return Case.objects.filter(granted | (as_officer | as_supervisor | of_team))


def cases_visible_to_force_client(force_id: int) -> QuerySet[Case]:
    """The cases an API client of force `force_id` may read (docs/api.md): the unrestricted cases of
    its force. A restricted case is seen only by the people granted it by name, never by a client."""
    return Case.objects.filter(force_id=force_id, restricted=False)


def _ways_to_see(user: User, path: str = "") -> tuple[Q, Q, Q, Q]:
    """Each way `user` may see a case (`cases_visible_to`): granted it; or, unrestricted, as its
    officer in the case, as its supervisor, or as a member of its team whose role reads team cases.

    With `path` ("case__", a relation to a case), the same conditions on a related case's row, so a
    query of other rows checks each row's case where it joins it (`_identifier_seen`). The person's
    grants, teams and role are uncorrelated subqueries, evaluated once a query."""
    reads_team_cases = Exists(
        User.groups.through.objects.filter(user_id=user.pk, group__name__in=roles_with(Capability.READ_TEAM_CASES))
    )
    teams = User.teams.through.objects.filter(user_id=user.pk).values("team_id")
    team_member = Q(any_of(f"{path}team_id", teams))
    unrestricted = Q(**{f"{path}restricted": False})
    return (
        _granted(user, "view_case", f"{path}pk"),
        unrestricted & Q(**{f"{path}officer_in_case_id": user.pk}),
        unrestricted & Q(**{f"{path}supervisor_id": user.pk}),
        unrestricted & team_member & Q(reads_team_cases),
    )


def case_visible_to_each(*, user: str, case: str) -> Q:
    """`cases_visible_to` for many people at once: rows (a task, say) whose case, the foreign key
    `case`, may be seen by the person in the column `user`, by the same ways as `_ways_to_see`.
    For sweeps that check every (person, case) pair of a set in one statement; each way is an
    EXISTS on indexed columns or a column of the case. Whether the person is active is the
    caller's to filter (their own column)."""
    case_id, user_id = OuterRef(f"{case}_id"), OuterRef(user)
    granted_to_user = CaseUserObjectPermission.objects.filter(
        content_object_id=case_id, user_id=user_id, permission__codename="view_case"
    )
    granted_to_group = CaseGroupObjectPermission.objects.filter(
        content_object_id=case_id, group__user=user_id, permission__codename="view_case"
    )
    reads_team_cases = User.groups.through.objects.filter(
        user_id=user_id, group__name__in=roles_with(Capability.READ_TEAM_CASES)
    )
    team_member = User.teams.through.objects.filter(user_id=user_id, team_id=OuterRef(f"{case}__team_id"))
    named = Q(**{f"{case}__officer_in_case_id": F(user)}) | Q(**{f"{case}__supervisor_id": F(user)})
    unrestricted = Q(**{f"{case}__restricted": False})
    return (
        Q(Exists(granted_to_user))
        | Q(Exists(granted_to_group))
        | (unrestricted & (named | (Q(Exists(team_member)) & Q(Exists(reads_team_cases)))))
    )


def cases_in_view(user: User, *, team: Team | None = None, officer: User | None = None) -> QuerySet[Case]:
    """The cases `user` may see, optionally of one team or one officer in the case: the scope of the
    supervisor's dashboard and deadlines filters."""
    cases = cases_visible_to(user)
    if team is not None:
        cases = cases.filter(team=team)
    if officer is not None:
        cases = cases.filter(officer_in_case=officer)
    return cases


@dataclass(frozen=True)
class CaseIds:
    """The ids of the cases in view (`cases_in_view`), all of them and the open ones: read once by a
    page with several panels over the same cases (the supervisor's dashboard)."""

    all: list[int]
    open: list[int]


def case_ids_in_view(user: User, *, team: Team | None = None, officer: User | None = None) -> CaseIds:
    """The ids of the cases `user` may see, optionally of one team or one officer in the case, and
    which of them are open. One query; the panels then read by case id (`one_of_ids`), so the
    visibility rules are built and evaluated once a request.

    Each way to see a case (`_ways_to_see`) is read apart and the answers joined (`UNION`): each is
    then an index-only scan of an index holding what the rules ask (Case.Meta.indexes), where the
    rules as one condition (`cases_visible_to`) make PostgreSQL read every case's row to test it,
    which for a supervisor's thousands of cases is most of the dashboard's time in the database."""
    if not user.is_authenticated or not user.is_active:
        return CaseIds(all=[], open=[])
    scope = Q()
    if team is not None:
        scope &= Q(team=team)
    if officer is not None:
        scope &= Q(officer_in_case=officer)
    ways = [Case.objects.filter(way & scope).order_by().values("id", "status") for way in _ways_to_see(user)]
    union_sql, params = ways[0].union(*ways[1:]).query.sql_with_params()
    # Two arrays in one row: PostgreSQL builds them and the driver reads them whole, rather than
    # Django making a row for each of a team's thousands of cases.
    sql = (
        "SELECT coalesce(array_agg(visible.id ORDER BY visible.id), '{}'), "  # noqa: S608 (SQL built by the ORM)
        "coalesce(array_agg(visible.id ORDER BY visible.id) FILTER (WHERE visible.status = %s), '{}') "
        f"FROM ({union_sql}) AS visible"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Case.Status.OPEN, *params])
        all_ids, open_ids = cursor.fetchone()
    return CaseIds(all=all_ids, open=open_ids)


def open_case_ids(user: User, *, team: Team | None = None, officer: User | None = None) -> list[int]:
    """The ids of the open cases `user` may see, optionally of one team or one officer in the case.

    Read once by a page with several panels over the same cases (the supervisor's dashboard), which
    then pass them on as `one_of_ids`: the visibility rules are built and evaluated once a request,
    and each panel reads by case id. One query."""
    cases = cases_in_view(user, team=team, officer=officer).filter(status=Case.Status.OPEN)
    return list(cases.values_list("pk", flat=True))


def case_grants(case: Case, user: User) -> frozenset[str]:
    """The permission codenames granted to `user` on `case`, by name or through a group."""
    to_user = CaseUserObjectPermission.objects.filter(content_object_id=case.pk, user_id=user.pk)
    to_group = CaseGroupObjectPermission.objects.filter(content_object_id=case.pk, group__user=user.pk)
    return frozenset(to_user.values_list("permission__codename", flat=True)) | frozenset(
        to_group.values_list("permission__codename", flat=True)
    )


def case_allows(case: Case, user: User | AnonymousUser, capability: Capability) -> bool:
    """Whether `user` may do what `capability` names on `case`. Assumes the case is visible to them
    (the fetch-and-authorise helpers check that first); capabilities not about a case are False.

    - record on the case (RECORD_TEAM_CASES): an officer or supervisor who is a member of the
      case's team or is its officer in the case or supervisor; or anyone granted change_case;
    - record searches, devices and triage (RECORD_DEVICES): as above, or anyone granted
      record_triage (an assigned examiner);
    - supervisor actions (SUPERVISE, APPROVE_CLOSURE): a supervisor who is a member of the case's
      team or is the case's supervisor. A grant never makes someone a supervisor.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    roles = roles_of(user)
    named = user.pk in (case.officer_in_case_id, case.supervisor_id)
    in_team = named or user.teams.filter(pk=case.team_id).exists()
    if capability in (Capability.SUPERVISE, Capability.APPROVE_CLOSURE):
        return bool(roles & roles_with(capability)) and in_team
    if capability not in (Capability.RECORD_TEAM_CASES, Capability.RECORD_DEVICES):
        return False
    if in_team and roles & roles_with(Capability.RECORD_TEAM_CASES):
        return True
    grants = case_grants(case, user)
    if "change_case" in grants:
        return True
    return capability == Capability.RECORD_DEVICES and "record_triage" in grants


def case_ids_changeable_by(user: User | AnonymousUser, case_ids: Iterable[int]) -> frozenset[int]:
    """Of `case_ids`, those `user` may record on (`case_allows` with RECORD_TEAM_CASES), in one
    query: so a list of deadlines links each to its form only where the person may use it."""
    ids = set(case_ids)
    if not ids or not user.is_authenticated or not user.is_active:
        return frozenset()
    may = _granted(user, "change_case")
    if roles_of(user) & roles_with(Capability.RECORD_TEAM_CASES):
        team_member = Q(any_of("team_id", User.teams.through.objects.filter(user_id=user.pk).values("team_id")))
        may |= Q(officer_in_case_id=user.pk) | Q(supervisor_id=user.pk) | team_member
    return frozenset(Case.objects.filter(one_of_ids("id", ids)).filter(may).values_list("pk", flat=True))


def case_ids_supervised_by(user: User | AnonymousUser, case_ids: Iterable[int]) -> frozenset[int]:
    """Of `case_ids`, those on which `user` may take supervisor actions (`case_allows` with SUPERVISE),
    in one query: so the dashboard offers reassigning only where the person may do it."""
    ids = set(case_ids)
    if (
        not ids
        or not user.is_authenticated
        or not user.is_active
        or not roles_of(user) & roles_with(Capability.SUPERVISE)
    ):
        return frozenset()
    team_member = Q(any_of("team_id", User.teams.through.objects.filter(user_id=user.pk).values("team_id")))
    may = Q(officer_in_case_id=user.pk) | Q(supervisor_id=user.pk) | team_member
    return frozenset(Case.objects.filter(one_of_ids("id", ids)).filter(may).values_list("pk", flat=True))


def case_is_changeable_by(case: Case, user: User | AnonymousUser) -> bool:
    """Whether `user` may record on `case` (see `case_allows`)."""
    return case_allows(case, user, Capability.RECORD_TEAM_CASES)


def case_is_visible_to(case: Case, user: User | AnonymousUser) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


@dataclass(frozen=True)
class AccessRow:
    """One person with access to a case granted by name, for the case page's "People with access"."""

    user: User
    levels: tuple[str, ...]
    automatic: bool


ACCESS_LEVEL_LABELS = {
    "view_case": "Read",
    "change_case": "Record",
    "record_triage": "Devices and triage",
}


def case_access_rows(case: Case) -> list[AccessRow]:
    """People granted `case` by name, with what each may do, ordered by name. Two queries."""
    grants = CaseUserObjectPermission.objects.filter(content_object_id=case.pk).select_related("permission")
    by_user: dict[int, set[str]] = {}
    for grant in grants:
        by_user.setdefault(grant.user_id, set()).add(grant.permission.codename)
    named = {case.officer_in_case_id, case.supervisor_id}
    return [
        AccessRow(
            user=user,
            levels=tuple(label for code, label in ACCESS_LEVEL_LABELS.items() if code in by_user[user.pk]),
            automatic=case.restricted and user.pk in named,
        )
        for user in User.objects.filter(pk__in=by_user)
    ]


# --- Case list, case page and what is due next -------------------------------------------------


# A whole reference as Safeguard numbers cases (`cases.services.case._next_reference`): force code,
# year, six-digit sequence, e.g. STF-2026-000123 (any letter case).
WHOLE_REFERENCE = re.compile(r"^[A-Za-z0-9]+-[0-9]{4}-[0-9]{6}$")


def case_list_for(user: User, **filters: Any) -> QuerySet[Case]:
    """The case list: visible cases, searched and filtered (`filters`: those `case_list_filter`
    takes), with what the list's columns show, newest opened first. Its pages are read from
    `case_list_parts`, the same cases."""
    chosen = case_list_filter(**filters)
    cases = cases_visible_to(user).filter(chosen).select_related("team__force", "officer_in_case", "supervisor")
    return cases.order_by("-opened_at", "-id")


def case_list_parts(user: User, **filters: Any) -> list[QuerySet[Case]]:
    """The cases of `case_list_for`, as one queryset for each way `user` may see a case
    (`_ways_to_see`), so that a page of the list reads each apart in opening order and joins the
    answers (`case_list_page`): each way is then a scan of an index holding the case's opening time
    (Case.Meta.indexes), and a page reads about a page of each, not every case the person may see."""
    if not user.is_authenticated or not user.is_active:
        return []
    chosen = case_list_filter(**filters)
    return [Case.objects.filter(way & chosen) for way in _ways_to_see(user)]


def case_list_filter(
    *,
    q: str = "",
    status: str = "",
    team: Team | None = None,
    officer: User | None = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    stage: str = "",
) -> Q:
    """The case list's search and filters as one condition.

    `q` matches the reference, the operation or a subject's name (one subquery); opened from/to are
    London dates, both inclusive.
    """
    chosen = Q()
    q = q.strip()
    if WHOLE_REFERENCE.match(q):
        # A whole case reference: that case, by the reference's unique index. Its trigrams ("STF",
        # "-20", "202"...) are in almost every reference, so the trigram index would read a posting
        # list of every case in the database.
        chosen &= Q(reference=q.upper())
    elif q:
        # Each branch is served by a trigram index (migration 0006), so PostgreSQL combines them with
        # the visibility branches in bitmaps instead of testing every visible case.
        subject_named = Subject.objects.filter(full_name__icontains=q).values("case_id")
        chosen &= Q(reference__icontains=q) | Q(operation__icontains=q) | Q(any_of("pk", subject_named))
    if status:
        chosen &= Q(status=status)
    if stage:
        chosen &= Q(stage=stage)
    if team is not None:
        chosen &= Q(team=team)
    if officer is not None:
        chosen &= Q(officer_in_case=officer)
    if opened_from is not None:
        chosen &= Q(opened_at__date__gte=opened_from)
    if opened_to is not None:
        chosen &= Q(opened_at__date__lte=opened_to)
    return chosen


def case_list_page(
    cases: QuerySet[Case] | list[QuerySet[Case]], *, size: int, position: Position | None = None
) -> Page[Case]:
    """One page of the case list (`case_list_parts`, or one queryset: the API's), newest opened
    first, with what its columns show.

    A keyset page on (opened_at, id) (safeguard.keyset): no count of the cases a person may see and
    no OFFSET. Then a deferred join: the page's ids and opening times are chosen first, without the
    joined columns, and only those rows are fetched with their force, team (and its force), officer and supervisor.
    Two queries for a page (three when a "newer" link finds less than a page: `keyset_page`).
    """
    parts = [cases] if isinstance(cases, QuerySet) else cases
    chosen = [part.select_related(None).only("id", "opened_at") for part in parts]
    page = keyset_page(chosen, at="opened_at", size=size, position=position)
    ids = [case.pk for case in page.rows]
    rows = Case.objects.select_related("force", "team__force", "officer_in_case", "supervisor").in_bulk(ids)
    return replace(page, rows=[rows[pk] for pk in ids])


# --- Referrals ----------------------------------------------------------------------------------


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Referrals of the user's force, for officers and supervisors (not examiners, auditors or
    administrators). One developed into a restricted case is hidden from anyone
    who may not see that case, since its identifiers would point at the suspect."""
    if not user.is_authenticated or not user.is_active or user.force_id is None:
        return Referral.objects.none()
    if not user_has_capability(user, Capability.REFERRALS):
        return Referral.objects.none()
    visible_cases = cases_visible_to(user).filter(restricted=True).values("pk")
    return Referral.objects.filter(force_id=user.force_id).filter(
        Q(case__isnull=True) | Q(case__restricted=False) | Q(case__in=visible_cases)
    )


def referral_list_for(
    user: User,
    *,
    q: str = "",
    outcome: str = "",
    risk_grade: str = "",
    source: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
) -> QuerySet[Referral]:
    """Pending referrals first (oldest received first, as they are due soonest), then the rest newest first.

    `q` matches the source reference or an identifier of the referral (an IP address, account,
    phone number or e-mail address, in any of its written forms), through the identifier index;
    received from/to are London dates, both inclusive."""
    referrals = referrals_visible_to(user).select_related("case")
    if q.strip():
        referrals = referrals.filter(any_of("pk", referral_search_ids(user, q)))
    if outcome:
        referrals = referrals.filter(outcome=outcome)
    if risk_grade:
        referrals = referrals.filter(risk_grade=risk_grade)
    if source:
        referrals = referrals.filter(source=source)
    if received_from is not None:
        referrals = referrals.filter(received_at__date__gte=received_from)
    if received_to is not None:
        referrals = referrals.filter(received_at__date__lte=received_to)
    pending = Q(outcome=Referral.Outcome.PENDING)
    return referrals.annotate(
        pending_first=DbCase(When(pending, then=Value(0)), default=Value(1)),
        pending_received_at=DbCase(When(pending, then=F("received_at"))),
    ).order_by("pending_first", F("pending_received_at").asc(nulls_last=True), "-received_at", "-id")


def case_actions(case: Case, user: User) -> dict[str, bool]:
    """Which of a case's "record" links `user` may follow (case page, case log, arrest page), from
    the same checks the pages behind them make (`get_case_for_change`): a link is shown only to
    someone it lets in.
    `record`: recording pages; `record_devices`: searches, devices and triage; `close` and
    `review`: closure and retention reviews; `referral`: the page of the referral the case was
    opened from (`referrals_visible_to`: a referral of their force, for who may read referrals)."""
    is_open = case.status == Case.Status.OPEN
    closure = case_allows(case, user, Capability.APPROVE_CLOSURE)
    referral = case.referral_id is not None and user_has_capability(user, Capability.REFERRALS)
    return {
        "referral": referral and getattr(user, "force_id", None) == case.force_id,
        "record": is_open and case_allows(case, user, Capability.RECORD_TEAM_CASES),
        "record_devices": is_open and case_allows(case, user, Capability.RECORD_DEVICES),
        "close": is_open and closure,
        "review": not is_open and closure,
    }


def case_people(case: Case) -> QuerySet[User]:
    """Active people who work this case: its team's members, its officer in the case and supervisor."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(teams=case.team_id) | Q(pk=case.officer_in_case_id) | Q(pk=case.supervisor_id))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- The identifier index: search and deconfliction (docs/search.md) -----------------------------

SEARCH_RESULTS = 100
# Below this, part of a value matches too much to be worth reading (trigrams need three characters).
SEARCH_PART_MIN = 3


def forces_in_view(user: User) -> list[int]:
    """The forces of whose records `user` may see any: their own (its referrals), their teams'
    (their teams' cases), and those of the cases granted them or of which they are the officer in
    the case or the supervisor (index scans of a few rows). A superset of what they may see: the
    search reads parts of values, words and similar names in these forces' rows only, then checks
    each row it found (`_matches`). One query."""
    if not user.is_authenticated or not user.is_active:
        return []
    granted = _ways_to_see(user)[0]
    named = Case.objects.filter(granted | Q(officer_in_case_id=user.pk) | Q(supervisor_id=user.pk))
    teams = User.teams.through.objects.filter(user_id=user.pk).values_list("team__force_id", flat=True)
    forces = {user.force_id, *teams.union(named.order_by().values_list("force_id", flat=True))}
    return sorted(force for force in forces if force is not None)


def _identifier_seen(user: User, path: str = "", *, many: bool = False) -> Q:
    """Whether the index row at `path` ("" for the row itself, "first__" from a match) is of a case
    `user` may see, or of a referral not yet a case that they may see: as `side_view` decides it.

    A row names no case exactly when its referral is not yet a case (`identifiers_attach_case` gives
    a referral's rows its case when one is opened), so such a row is seen by who may see the
    referral (`referrals_visible_to`): people who read referrals, of the row's force (the referral's).

    The case's rule (`cases_visible_to`) is tested on each row's case as the query joins it (a few
    buffers a row), or with `many` (thousands of rows to check, as a part of a name finds) as a
    correlated EXISTS, which PostgreSQL evaluates once into a hash of every case the person may see
    (thousands of buffers for a team's member, whatever the rows checked)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if many:
        case_seen = Q(Exists(cases_visible_to(user).filter(pk=OuterRef(f"{path}case_id"))))
    else:
        granted, as_officer, as_supervisor, of_team = _ways_to_see(user, f"{path}case__")
        case_seen = granted | as_officer | as_supervisor | of_team
    if not user_has_capability(user, Capability.REFERRALS) or user.force_id is None:
        return case_seen
    return case_seen | Q(**{f"{path}case__isnull": True, f"{path}force_id": user.force_id})


def _in_force(force_id: int) -> Q:
    """`force_id = <force>::bigint`. The composite GIN indexes take the force as an index condition
    only compared with a bigint: a plain parameter is an integer, whose `=` is not in btree_gin's
    bigint operator class, and PostgreSQL would then read the trigrams of every force (and AND them
    with the force's B-tree, a bitmap of the force's every row)."""
    return Q(force_id=Cast(Value(force_id), BigIntegerField()))


def _parsed(q: str, normalise: Callable[[str], str]) -> str | None:
    try:
        return normalise(q)
    except ValidationError:
        return None


def search_values(q: str) -> set[str]:
    """Every normalised form `q` could be: a reference or name, an IP address, a phone number, an
    e-mail address, a postcode, a PNC ID or an account (cases.identifiers)."""
    values = {normalise_reference(q), normalise_name(q), normalise_account(q)}
    for normalise in (normalise_ip, normalise_phone, normalise_email, normalise_postcode, normalise_pnc):
        values.add(_parsed(q, normalise) or "")
    return values - {""}


def whole_value_only(q: str) -> bool:
    """A whole IP address, e-mail address or phone number is looked up as a whole: a part of one (the
    digits of an address or number) is in thousands of others and says nothing."""
    return any(_parsed(q, normalise) for normalise in (normalise_ip, normalise_email)) or (
        not any(character.isalpha() for character in q) and _parsed(q, normalise_phone) is not None
    )


def _whole_values_only(q: str) -> bool:
    """Whether `q` is searched as whole values only: shorter than a part (`SEARCH_PART_MIN`), or a
    whole IP address, e-mail address or phone number (`whole_value_only`)."""
    return len(q) < SEARCH_PART_MIN or whole_value_only(q)


def _forces_searched(user: User, q: str) -> list[int] | None:
    """The forces whose rows are read for parts of values (`forces_in_view`), or None if the person
    may see nothing. A query of whole values only reads the B-tree of values in any force and checks
    each row found exactly, so it needs no forces (nor their query)."""
    if _whole_values_only(q):
        return []
    return forces_in_view(user) or None


def _matches(q: str, values: set[str], forces: list[int], *, similar_names: bool) -> Q:
    """The rows matching `q`, as an OR of conditions each served by one index (a bitmap OR):

    - a whole value in any of its normalised forms (`identifier_value_kind`, B-tree), in any force;
    - from three characters, in each of `forces` (those the person may see anything of,
      `forces_in_view`):
      part of a value, and all the words of three letters or more in any order
      (`identifier_force_value_trgm`); with `similar_names`, a person's name spelt a little
      differently, trigram similarity (`identifier_force_person_trgm`).

    Each of the last is written once per force, the force inside it, so that each is one scan of a
    GIN index on (force, trigrams) reading that force's rows: a GIN index takes neither
    `= ANY(forces)` nor an OR of forces as its condition."""
    matches = Q(value__in=values)
    if _whole_values_only(q):
        return matches
    part = normalise_reference(q)
    words = sorted({word for word in normalise_name(q).split() if len(word) >= SEARCH_PART_MIN} - {part})
    name = normalise_name(q)
    for force_id in forces:
        in_force = _in_force(force_id)
        matches |= in_force & Q(upper_value__contains=part)
        if len(words) > 1:
            matches |= in_force & Q(*(Q(upper_value__contains=word) for word in words))
        if similar_names and name and any(character.isalpha() for character in q):
            matches |= in_force & Q(kind=IndexedIdentifier.Kind.PERSON) & Q(TrigramSimilar(Upper("value"), Value(name)))
    return matches


def _found(user: User, q: str, forces: list[int], *, similar_names: bool) -> QuerySet[IndexedIdentifier]:
    return (
        IndexedIdentifier.objects.alias(upper_value=Upper("value"))
        .filter(_matches(q, search_values(q), forces, similar_names=similar_names))
        .filter(superseded_at__isnull=True)
        .filter(_identifier_seen(user, many=bool(forces)))
    )


def identifiers_found(user: User, q: str) -> list[IndexedIdentifier]:
    """The index rows `user` may see that match `q` (`_matches`): a whole value in any of its
    normalised forms; part of a value (three characters or more); all the words of a name or address
    in any order; or a person's name spelt a little differently (trigram similarity). Whole values
    first, then the closest; at most `SEARCH_RESULTS`. One query: a bitmap OR of index scans, then
    each row found checked by the person's rules (`_identifier_seen`)."""
    q = q.strip()
    if not q:
        return []
    values = search_values(q)
    forces = _forces_searched(user, q)
    if forces is None:
        return []
    found = (
        _found(user, q, forces, similar_names=True)
        .annotate(
            whole=DbCase(When(value__in=values, then=Value(0)), default=Value(1)),
            closeness=TrigramSimilarity(Upper("value"), normalise_reference(q)),
        )
        .select_related("case", "referral")
        .order_by("whole", "-closeness", "kind", "value", "id")
    )
    if not forces:
        return list(found[:SEARCH_RESULTS])
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL estimates the OR of text conditions poorly, and above its cost threshold
        # compiles the query with JIT first: seconds of compiling for milliseconds of work. Off for
        # this query only (SET LOCAL ends with it).
        cursor.execute("SET LOCAL jit = off")
        return list(found[:SEARCH_RESULTS])


def referral_search_ids(user: User, q: str) -> QuerySet:
    """The referrals whose identifiers or source reference match `q` (the referral list's search)."""
    return identifiers_found_queryset(user, q).filter(referral__isnull=False).values("referral_id")


def identifiers_found_queryset(user: User, q: str) -> QuerySet[IndexedIdentifier]:
    """As `identifiers_found`, the matching rows as a query (whole values, parts of values and words)."""
    q = q.strip()
    if not q:
        return IndexedIdentifier.objects.none()
    forces = _forces_searched(user, q)
    if forces is None:
        return IndexedIdentifier.objects.none()
    return _found(user, q, forces, similar_names=False)


@dataclass(frozen=True)
class Side:
    """One side of a deconfliction match: its case (if the identifier is on a case) or its referral."""

    entry: IndexedIdentifier
    case: Case | None
    referral: Referral | None

    @property
    def label(self) -> str:
        if self.case is not None:
            return f"case {self.case.reference}"
        return f"referral {self.entry.referral_id}"


def side_of(entry: IndexedIdentifier) -> Side:
    case = (
        Case.objects.select_related("team__force", "supervisor", "officer_in_case").filter(pk=entry.case_id).first()
        if entry.case_id
        else None
    )
    referral = (
        Referral.objects.select_related("force", "created_by").filter(pk=entry.referral_id).first()
        if entry.referral_id
        else None
    )
    return Side(entry=entry, case=case, referral=referral)


def side_people(side: Side) -> list[User]:
    """Who is notified of a match on this side: its officer in the case and supervisor, or for a
    referral not yet a case, the person who recorded it. Active people only, each once."""
    if side.case is not None:
        people = [side.case.officer_in_case, side.case.supervisor]
    else:
        assert side.referral is not None
        people = [side.referral.created_by]
    return list({person.pk: person for person in people if person.is_active}.values())


@dataclass(frozen=True)
class SideView:
    """A side of a match as one person may see it: the record and the identifier if they may see
    the record; otherwise only that a match is held and whom to contact (team and supervisor)."""

    visible: bool
    label: str
    url: str
    shown: str
    contact: str


def side_view(side: Side, user: User) -> SideView:
    if side.case is not None:
        case = side.case
        if case_is_visible_to(case, user):
            return SideView(True, f"Case {case.reference}", case.get_absolute_url(), side.entry.shown, "")
        return _hidden(side)
    assert side.referral is not None
    referral = side.referral
    if referrals_visible_to(user).filter(pk=referral.pk).exists():
        url = reverse("cases:referral_detail", kwargs={"pk": referral.pk})
        return SideView(True, f"Referral {referral}", url, side.entry.shown, "")
    return _hidden(side)


def _hidden(side: Side) -> SideView:
    """Only that a match is held, and whom to contact: the side of a record that may not be seen."""
    if side.case is not None:
        case = side.case
        contact = f"{case.team.name}, {case.team.force.name}: supervisor {case.supervisor}"
        if case.supervisor.email:
            contact += f" ({case.supervisor.email})"
        return SideView(False, "", "", "", contact)
    assert side.referral is not None
    referral = side.referral
    contact = f"Referrals, {referral.force.name}: recorded by {referral.created_by}"
    if referral.created_by.email:
        contact += f" ({referral.created_by.email})"
    return SideView(False, "", "", "", contact)


def side_view_for_force_client(side: Side, force_id: int, *, reads_cases: bool) -> SideView:
    """A side of a match as an API client of force `force_id` may see it (docs/api.md): a case it may
    read (`cases_visible_to_force_client`, and only with the scope to read cases), or a referral of
    its force not developed into a restricted case; otherwise, as for a person, only whom to contact."""
    if side.case is not None:
        case = side.case
        if reads_cases and cases_visible_to_force_client(force_id).filter(pk=case.pk).exists():
            return SideView(True, f"Case {case.reference}", "", side.entry.shown, "")
        return _hidden(side)
    assert side.referral is not None
    referral = side.referral
    seen = Referral.objects.filter(pk=referral.pk, force_id=force_id).filter(
        Q(case__isnull=True) | Q(case__restricted=False)
    )
    if seen.exists():
        return SideView(True, f"Referral {referral}", "", side.entry.shown, "")
    return _hidden(side)


def match_sides(match: DeconflictionMatch, user: User) -> tuple[SideView, SideView]:
    return side_view(side_of(match.first), user), side_view(side_of(match.second), user)


def matches_visible_to(user: User) -> QuerySet[DeconflictionMatch]:
    """The matches shown to `user`: those of which they may see at least one of the two records (as
    `side_view` decides each side), superseded or not, as one SQL query."""
    return DeconflictionMatch.objects.filter(_identifier_seen(user, "first__") | _identifier_seen(user, "second__"))


def _current_matches(rows: QuerySet[IndexedIdentifier]) -> QuerySet[DeconflictionMatch]:
    """The matches of `rows` between two values still held: a match of a value corrected away, or of
    a record withdrawn as entered in error, is kept (and audited) but no longer shown."""
    ids = rows.values("pk")
    return (
        DeconflictionMatch.objects.filter(Q(first__in=ids) | Q(second__in=ids))
        .filter(first__superseded_at__isnull=True, second__superseded_at__isnull=True)
        .select_related("first", "second")
    )


def matches_of(*, case: Case | None = None, referral: Referral | None = None) -> QuerySet[DeconflictionMatch]:
    """The current deconfliction matches of the identifiers of a case or a referral."""
    rows = IndexedIdentifier.objects.filter(case=case) if case is not None else None
    return _current_matches(rows if rows is not None else IndexedIdentifier.objects.filter(referral=referral))


def referral_has_case(referral: Referral) -> bool:
    """Whether a case was opened from the referral, whoever may see it: its records are then
    corrected on the case's pages."""
    return Case.objects.filter(referral=referral).exists()


def referral_record_versions(referral: Referral) -> QuerySet[RecordVersion]:
    """The corrections and withdrawals of a referral's records kept on the referral (made while it had
    no case), oldest first: a referral has no case log, so its page lists them."""
    return RecordVersion.objects.filter(referral=referral).select_related("recorded_by").order_by("recorded_at", "id")


def matches_of_record(record: models.Model) -> QuerySet[DeconflictionMatch]:
    """The current matches of one record's identifiers (a referral identifier, a subject, premises...)."""
    return _current_matches(IndexedIdentifier.objects.filter(source_type=record._meta.label, source_id=record.pk))
