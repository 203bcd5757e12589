"""The OpenAPI schema: served at /api/v1/schema/, shown by a documentation page that loads nothing
from elsewhere, and the copy in the repository (docs/api/openapi.yaml) is the one the code makes."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from tests.api.test_authorisation_matrix import ROUTES

pytestmark = pytest.mark.django_db

CHECKED_IN = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"


def test_the_schema_in_the_repository_is_the_one_the_code_makes(tmp_path):
    made = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(made), "--validate", "--fail-on-warn")
    assert made.read_text() == CHECKED_IN.read_text(), (
        "docs/api/openapi.yaml is out of date: run `manage.py spectacular --file docs/api/openapi.yaml`."
    )


def test_the_schema_describes_every_route_with_its_token_and_refusals(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["clientToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API client's token, `<prefix>.<secret>`.",
    }
    expected = {re.sub(r"^/api/v1", "", path_for("{reference}")) for path_for, _ in ROUTES.values()}
    assert {path.removeprefix("/api/v1") for path in schema["paths"]} == expected
    for operation in (operation for item in schema["paths"].values() for operation in item.values()):
        assert operation["security"] == [{"clientToken": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])
        assert {"200", "201"} & set(operation["responses"])


def test_the_documentation_page_loads_swagger_ui_from_safeguards_own_static_files(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith(("/static/", "/api/v1/")) for source in sources), sources
    assert any("swagger-ui-dist/swagger-ui-bundle.js" in source for source in sources)
    assert "<script>" not in html.replace(" ", "")  # nothing inline: the page's own script is a file
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
