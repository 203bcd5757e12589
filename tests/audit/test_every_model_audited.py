"""Every installed model is audited, or listed in `audit.triggers.NOT_AUDITED` with the reason.

The check walks `apps.get_models()` (with the many-to-many tables Django makes), so a model added to
any app, Safeguard's or a package's, fails here until someone decides: it carries the audit trigger
in the database, or it is listed with why it need not.
"""

from collections.abc import Iterable

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.db import connection, models

from audit.triggers import NOT_AUDITED, ROW_TRIGGER, audited_models

pytestmark = pytest.mark.django_db


def tables_with_audit_trigger() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND t.tgenabled <> 'D'",
            [ROW_TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


def neither_audited_nor_exempt(candidates: Iterable[type[models.Model]], with_trigger: set[str]) -> list[str]:
    """The models whose table has no audit trigger and that `NOT_AUDITED` gives no reason for. A proxy
    shares its concrete model's table, which is checked in its own right."""
    return sorted(
        model._meta.label
        for model in candidates
        if not model._meta.proxy
        and model._meta.db_table not in with_trigger
        and not NOT_AUDITED.get(model._meta.label, "").strip()
    )


def test_every_model_is_audited_in_the_database_or_exempt_with_a_reason():
    missing = neither_audited_nor_exempt(apps.get_models(include_auto_created=True), tables_with_audit_trigger())
    assert not missing, (
        f"Not audited and not exempt: {missing}. Audit them (audit/triggers.py: AUDITED_APPS or "
        "AUDITED_MODELS) or add each to NOT_AUDITED there with the reason."
    )


def test_a_new_model_with_no_trigger_and_no_reason_fails_the_check():
    registry = Apps()

    class Witness(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            app_label = "cases"
            db_table = "cases_witness_not_yet_audited"
            apps = registry

    assert neither_audited_nor_exempt([Witness], tables_with_audit_trigger()) == ["cases.Witness"]


def test_every_exemption_names_an_installed_model_that_carries_no_trigger():
    installed = {model._meta.label: model for model in apps.get_models(include_auto_created=True)}
    assert not set(NOT_AUDITED) - set(installed), "NOT_AUDITED names models that are no longer installed."
    audited = {model._meta.label for model in audited_models()}
    assert not set(NOT_AUDITED) & audited
    with_trigger = tables_with_audit_trigger()
    assert [label for label in NOT_AUDITED if installed[label]._meta.db_table in with_trigger] == []


def test_two_factor_devices_backup_codes_and_lockouts_are_audited():
    labels = {model._meta.label for model in audited_models()}
    assert {"otp_totp.TOTPDevice", "otp_static.StaticDevice", "otp_static.StaticToken", "axes.AccessAttempt"} <= labels
