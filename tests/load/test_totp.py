"""The load test computes two-factor codes without Django (bench/load/totp.py): they must be the codes
django-otp accepts, which an authenticator app shows."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import default_key

from bench.load.totp import totp_code


@pytest.mark.parametrize("moment", [0, 59, 1_795_430_000, 1_795_430_029, 1_795_430_030, 2_000_000_000])
def test_the_load_tests_codes_are_django_otps(moment):
    key = default_key()
    reference = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6)
    reference.time = moment
    assert totp_code(key, at=moment) == f"{reference.token():06d}"


def test_a_code_changes_with_the_time_step():
    key = default_key()
    codes = {totp_code(key, at=30 * step) for step in range(20)}
    assert len(codes) > 15
