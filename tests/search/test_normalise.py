"""Normalisation of identifiers (cases.identifiers): equal identifiers written differently become
the same text, malformed ones are refused naming the field."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cases import identifiers as ids

LETTERS = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = st.sampled_from("0123456789")


@st.composite
def postcodes(draw):
    """UK postcodes of every outward shape: A9, A99, AA9, AA99, A9A, AA9A."""
    area = draw(st.text(LETTERS, min_size=1, max_size=2))
    district = draw(DIGITS) + draw(st.sampled_from(["", *"0123456789", *"ABCDEFGHJKPSTUW"]))
    inward = draw(DIGITS) + draw(st.text(LETTERS, min_size=2, max_size=2))
    return f"{area}{district} {inward}"


def spaced_and_cased(draw, text: str) -> str:
    """`text` with its spaces moved, added or removed and its letters in any case."""
    compact = text.replace(" ", "")
    out = []
    for character in compact:
        out.append(draw(st.sampled_from([" ", "", "  "])))
        out.append(character.lower() if draw(st.booleans()) else character)
    return "".join(out) + draw(st.sampled_from(["", " ", "\u3000"]))


@given(postcodes(), st.data())
def test_a_postcode_however_spaced_and_cased_normalises_to_one_form(postcode, data):
    written = spaced_and_cased(data.draw, postcode)
    assert ids.normalise_postcode(written) == postcode
    assert ids.normalise_postcode(ids.normalise_postcode(written)) == postcode  # idempotent


@pytest.mark.parametrize("bad", ["", "ST16", "1ST 2DJ", "ST16 2D", "ST16 22J", "ZZZZ 1AA", "ST16-2DJ!"])
def test_a_malformed_postcode_is_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as caught:
        ids.normalise_postcode(bad)
    assert caught.value.message_dict == {"postcode": [ids.POSTCODE_INVALID]}


@given(st.integers(min_value=0, max_value=999999))
def test_a_uk_mobile_written_any_usual_way_is_one_e164_number(n):
    local = f"07911 {n:06d}"
    national = local.replace(" ", "")
    expected = "+44" + national[1:]
    for written in (
        local,
        national,
        "+44 " + national[1:],
        "0044" + national[1:],
        f"(0{national[1:5]}) {national[5:]}",
    ):
        assert ids.normalise_phone(written) == expected


@pytest.mark.parametrize("bad", ["", "12", "phone me", "+44 1", "07700 9001234567"])
def test_a_malformed_phone_number_is_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as caught:
        ids.normalise_phone(bad, field="account_id")
    assert caught.value.message_dict == {"account_id": [ids.PHONE_INVALID]}


def test_a_phone_number_of_another_country_keeps_its_country_code():
    assert ids.normalise_phone("+1 (202) 555-0143") == "+12025550143"


@given(st.ip_addresses(v=6))
def test_an_ipv6_address_in_any_written_form_is_its_canonical_form(address):
    canonical = ids.normalise_ip(address.exploded.upper())
    assert canonical == ids.normalise_ip(str(address)) == ids.normalise_ip(address.compressed)
    if address.ipv4_mapped is None:
        assert canonical == address.compressed
        assert canonical == canonical.lower()
    else:
        assert canonical == str(address.ipv4_mapped)


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_stays_dotted_decimal_and_matches_its_mapped_ipv6_form(address):
    assert ids.normalise_ip(str(address)) == str(address)
    assert ids.normalise_ip(f"::ffff:{address}") == str(address)


@pytest.mark.parametrize("bad", ["", "256.1.1.1", "1.2.3", "2001:db8:::1", "example.com"])
def test_a_malformed_ip_address_is_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as caught:
        ids.normalise_ip(bad)
    assert caught.value.message_dict == {"ip_address": [ids.IP_INVALID]}


@given(
    st.from_regex(r"[a-z][a-z0-9.]{0,15}", fullmatch=True).filter(lambda s: ".." not in s and not s.endswith(".")),
    st.sampled_from(["example.com", "mail.example.co.uk"]),
    st.data(),
)
def test_an_email_address_in_any_case_is_one_address(local, domain, data):
    address = f"{local}@{domain}"
    written = "".join(c.upper() if data.draw(st.booleans()) else c for c in address)
    assert ids.normalise_email(f"  {written} ") == address


@pytest.mark.parametrize("bad", ["", "name", "name@", "@example.com", "a b@example.com"])
def test_a_malformed_email_address_is_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as caught:
        ids.normalise_email(bad, field="account_id")
    assert caught.value.message_dict == {"account_id": [ids.EMAIL_INVALID]}


def test_a_pnc_id_with_or_without_leading_zeros_and_in_any_case_is_one_id():
    assert ids.normalise_pnc("98/0123456x") == ids.normalise_pnc(" 98/123456X ") == "98/123456X"


def test_names_and_addresses_ignore_punctuation_case_and_spacing():
    assert ids.normalise_name("O'Neil,  j.") == ids.normalise_name("ONEIL J") == "ONEIL J"
    assert ids.normalise_address("1 High St.,\nStafford", "st162dj") == "1 HIGH ST STAFFORD ST16 2DJ"


def test_a_canonical_ipv6_is_what_python_and_postgresql_agree_on():
    assert ids.normalise_ip("2001:0DB8:0000:0000:0000:0000:0000:0001") == str(ipaddress.ip_address("2001:db8::1"))
