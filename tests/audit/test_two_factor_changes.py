"""Changes to how a person signs in are audited: authenticator apps, backup codes, lockouts. Their
secrets never reach the trail, and the bookkeeping of every sign-in is not an entry of its own."""

import json
from binascii import unhexlify

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.services import BACKUP_CODE_COUNT, two_factor_setup_confirm
from audit.context import acting_as
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind
NOT_RECORDED = "[not recorded]"


def test_setting_up_an_authenticator_app_is_audited_without_its_secret_or_the_backup_codes(officer, new_entries):
    key = default_key()
    since = new_entries()
    with acting_as(officer, source="web"):
        two_factor_setup_confirm(user=officer, actor=officer, key=key, code=f"{TOTP(unhexlify(key)).token():06d}")

    [device] = since.entries(object_type="otp_totp.TOTPDevice")
    assert (device.kind, device.actor_id) == (Kind.CREATE, officer.pk)
    assert device.changes["key"] == {"before": None, "after": NOT_RECORDED}
    tokens = since.entries(object_type="otp_static.StaticToken", kind=Kind.CREATE)
    assert len(tokens) == BACKUP_CODE_COUNT
    assert {entry.changes["token"]["after"] for entry in tokens} == {NOT_RECORDED}
    written = json.dumps([entry.changes for entry in since.entries()]) + "".join(e.summary for e in since.entries())
    secrets = [key, *StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)]
    assert [secret for secret in secrets if secret in written] == []


def test_signing_in_with_a_code_is_no_device_change_but_removing_the_app_is(officer, new_entries):
    device = TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    since = new_entries()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    assert device.verify_token(code)  # moves last_t and last_used_at on

    assert since.entries(object_type="otp_totp.TOTPDevice") == []
    device_id = device.pk
    device.delete()
    [removed] = since.entries(object_type="otp_totp.TOTPDevice")
    assert (removed.kind, removed.object_id) == (Kind.DELETE, str(device_id))


def test_a_lockout_record_is_audited_when_made_and_when_lifted_not_at_every_attempt(client, officer, new_entries):
    since = new_entries()
    for _ in range(2):
        client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    made = since.entries(object_type="axes.AccessAttempt")
    assert [entry.kind for entry in made] == [Kind.CREATE]
    assert made[0].changes["post_data"]["after"] == NOT_RECORDED

    AccessAttempt.objects.filter(username=officer.username).delete()  # an administrator lifts it
    assert [entry.kind for entry in since.entries(object_type="axes.AccessAttempt")] == [Kind.CREATE, Kind.DELETE]
