"""The case list selector: visibility, search and filters."""

from datetime import UTC, date, datetime

import pytest

from cases.forms.case import CaseListFilterForm
from cases.forms.fields import model_choice
from cases.selectors import case_list_for
from tests.factories.cases import CaseFactory, SubjectFactory


@pytest.fixture
def cases(team, other_team, officer, supervisor, outsider):
    return {
        "safenet": CaseFactory(
            team=team,
            reference="STF-2026-000001",
            operation="Safenet",
            officer_in_case=officer,
            supervisor=supervisor,
            opened_at=datetime(2026, 1, 10, 12, tzinfo=UTC),
        ),
        "harbour": CaseFactory(
            team=team,
            reference="STF-2026-000002",
            operation="Harbour",
            officer_in_case=supervisor,
            supervisor=supervisor,
            stage="warrant",
            opened_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
        ),
        "closed": CaseFactory(
            team=team,
            reference="STF-2025-000090",
            operation="",
            officer_in_case=officer,
            supervisor=supervisor,
            status="closed",
            stage="closed",
            opened_at=datetime(2025, 6, 1, 12, tzinfo=UTC),
        ),
        "other_team": CaseFactory(
            team=other_team,
            reference="STF-2026-000003",
            officer_in_case=outsider,
            supervisor=outsider,
            opened_at=datetime(2026, 2, 1, 12, tzinfo=UTC),
        ),
    }


def refs(queryset):
    return [case.reference for case in queryset]


def test_it_lists_the_users_team_cases_newest_first(cases, officer):
    assert refs(case_list_for(officer)) == ["STF-2026-000002", "STF-2026-000001", "STF-2025-000090"]


def test_it_hides_other_teams_cases(cases, outsider):
    assert refs(case_list_for(outsider)) == ["STF-2026-000003"]


def test_it_hides_a_restricted_case_from_a_team_member_who_is_not_oic_or_supervisor(
    team, officer, supervisor, examiner
):
    CaseFactory(team=team, reference="STF-2026-000099", restricted=True, officer_in_case=officer, supervisor=supervisor)
    assert refs(case_list_for(examiner)) == []
    assert refs(case_list_for(officer)) == ["STF-2026-000099"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("000002", ["STF-2026-000002"]),
        ("stf-2026-000002", ["STF-2026-000002"]),  # a whole reference, in any letter case
        ("STF-2026-000003", []),  # another team's case stays hidden
        ("STF-2026-00000", ["STF-2026-000002", "STF-2026-000001"]),  # part of one matches as before
        ("harb", ["STF-2026-000002"]),
        ("smith", ["STF-2026-000001"]),
        ("nobody", []),
    ],
)
def test_search_matches_reference_operation_and_subject_name(cases, officer, q, expected):
    SubjectFactory(case=cases["safenet"], full_name="John Smith")
    SubjectFactory(case=cases["safenet"], full_name="Jane Smith")  # two matches, one row
    SubjectFactory(case=cases["other_team"], full_name="Alan Smith")  # not visible
    assert refs(case_list_for(officer, q=q)) == expected


def test_filters_by_status_stage_team_and_officer(cases, officer, supervisor, team):
    assert refs(case_list_for(officer, status="closed")) == ["STF-2025-000090"]
    assert refs(case_list_for(officer, stage="warrant")) == ["STF-2026-000002"]
    assert refs(case_list_for(officer, team=team, officer=officer)) == ["STF-2026-000001", "STF-2025-000090"]
    assert refs(case_list_for(officer, officer=supervisor)) == ["STF-2026-000002"]


def test_filters_by_opened_dates_inclusive(cases, officer):
    found = case_list_for(officer, opened_from=date(2026, 1, 10), opened_to=date(2026, 3, 10))
    assert refs(found) == ["STF-2026-000002", "STF-2026-000001"]
    assert refs(case_list_for(officer, opened_to=date(2025, 12, 31))) == ["STF-2025-000090"]


def test_opened_dates_are_london_dates(team, officer, supervisor):
    # 23:30 UTC on 30 Jun is 00:30 on 1 Jul in London (BST).
    CaseFactory(
        team=team,
        reference="STF-2026-000050",
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
    )
    assert refs(case_list_for(officer, opened_from=date(2026, 7, 1))) == ["STF-2026-000050"]
    assert refs(case_list_for(officer, opened_to=date(2026, 6, 30))) == []


def test_the_filters_offer_the_persons_own_teams_and_their_members_not_the_whole_force(
    cases, officer, supervisor, outsider, team
):
    """A force's other teams and their people are not choices: the lists stay short whatever the
    force's size. Picking another team's officer is refused as a filter, not honoured."""
    form = CaseListFilterForm({"officer": outsider.pk}, user=officer)
    assert list(model_choice(form, "team").queryset or []) == [team]
    assert set(model_choice(form, "officer").queryset or []) == {officer, supervisor}
    assert form.filters() == {}
