import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_health_answers_without_sign_in(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_case_list_requires_sign_in(client):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
