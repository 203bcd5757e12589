"""The figures endpoint (the figures page's report, for the client's force) and the CSV answers of
the reads: `?format=csv` or `Accept: text/csv`, the same data as the JSON, audited the same way (the
figures' CSV as a disclosure to the client, as the page's download is to the person)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import SUPERVISOR
from audit.models import AuditEntry
from audit.objects import ObjectType
from reports.figures import figures_report
from reports.services import CSV_COLUMNS, figures_csv
from reports.sql import Period
from tests.api.conftest import bearer
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db


def rows_of(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_figures_are_the_figures_pages_for_the_clients_force(api, api_world):
    today = timezone.localdate()
    period = Period(today - timedelta(days=30), today)
    response = api.get("/api/v1/figures/", {"from": period.first, "to": period.last}, **bearer(api_world.tokens["all"]))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["date_from"], body["date_to"]) == (period.first.isoformat(), period.last.isoformat())
    supervisor = UserFactory(force=api_world.home, roles=[SUPERVISOR])
    page = figures_report(supervisor, period=period, now=timezone.now())
    assert [(r["level"], r["team"], r["counts"]["investigations"]) for r in body["rows"]] == [
        (row.level, row.team, row.counts["investigations"]) for row in page.rows()
    ]
    force = next(row for row in body["rows"] if row["level"] == "force")
    assert force["counts"]["investigations"] == 2  # both cases opened today: a count, restricted or not
    entry = AuditEntry.objects.filter(object_type=ObjectType.FIGURES).latest("id")
    assert (entry.kind, entry.actor_username, entry.source) == ("read", "api:all client", "api")
    assert entry.changes == {"date_from": period.first.isoformat(), "date_to": period.last.isoformat()}


def test_the_figures_as_csv_are_the_pages_download_and_a_disclosure_to_the_client(api, api_world):
    today = timezone.localdate()
    response = api.get(
        "/api/v1/figures/", {"from": today, "to": today, "format": "csv"}, **bearer(api_world.tokens["all"])
    )
    assert response.status_code == 200
    supervisor = UserFactory(force=api_world.home, roles=[SUPERVISOR])
    page = figures_report(supervisor, period=Period(today, today), now=timezone.now())
    assert response.content.decode() == figures_csv([page])
    assert rows_of(response)[0] == CSV_COLUMNS
    entry = AuditEntry.objects.filter(object_type=ObjectType.FIGURES).latest("id")
    assert (entry.kind, entry.recipient, entry.actor_username) == ("export", "api:all client", "api:all client")


def test_figures_without_dates_are_the_pages_default_period(api, api_world):
    body = api.get("/api/v1/figures/", **bearer(api_world.tokens["all"])).json()
    assert date.fromisoformat(body["date_to"]) == timezone.localdate()
    assert (date.fromisoformat(body["date_to"]) - date.fromisoformat(body["date_from"])).days >= 89


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
        ({"to": "2999-01-01"}, "to"),
    ],
    ids=["no such day", "reversed", "future"],
)
def test_a_bad_period_is_a_400_naming_the_field(api, api_world, query, field):
    response = api.get("/api/v1/figures/", query, **bearer(api_world.tokens["all"]))
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_case_list_as_csv_has_the_jsons_columns_and_its_cursors_in_a_link_header(api, api_world):
    CaseFactory(team=api_world.case.team, reference="HOM-2026-000003")
    token = bearer(api_world.tokens["all"])
    response = api.get("/api/v1/cases/", {"size": 1}, HTTP_ACCEPT="text/csv", **token)
    assert response.status_code == 200
    header, *rows = rows_of(response)
    as_json = api.get("/api/v1/cases/", {"size": 1}, **token).json()
    assert header[:9] == list(as_json["results"][0])
    assert [row[0] for row in rows] == [as_json["results"][0]["reference"]]
    assert response["Link"] == f'<?before={as_json["older"]}>; rel="next"'
    search = AuditEntry.objects.filter(kind="search").latest("id")
    assert search.actor_username == "api:all client"


def test_a_case_and_its_deadlines_as_csv(api, api_world):
    token = bearer(api_world.tokens["all"])
    reference = api_world.case.reference
    case = rows_of(api.get(f"/api/v1/cases/{reference}/", {"format": "csv"}, **token))
    assert case[0][0] == "reference" and case[1][0] == reference and len(case) == 2
    deadlines = api.get(f"/api/v1/cases/{reference}/deadlines/", {"format": "csv"}, **token)
    header, *rows = rows_of(deadlines)
    as_json = api.get(f"/api/v1/cases/{reference}/deadlines/", **token).json()
    assert header == ["kind", "label", "due_at", "status", "status_label", "met_at", "outstanding", "source"]
    assert len(rows) == len(as_json)


def test_a_refusal_asked_for_as_csv_is_a_csv_of_its_message(api, api_world):
    response = api.get("/api/v1/cases/HOM-2026-999999/", {"format": "csv"}, **bearer(api_world.tokens["all"]))
    assert response.status_code == 404
    assert rows_of(response) == [["field", "message"], ["detail", "No case with that reference."]]
