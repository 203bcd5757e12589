"""Normalised forms of the identifiers Safeguard indexes for search and deconfliction.

Two people rarely type an identifier the same way: `b1 1aa` and `B11AA`, `07700 900123` and
`+44 7700 900123`, `2001:DB8::0:1` and `2001:db8::1`. Every value is brought to one form before it
is stored in the identifier index (`cases.models.IndexedIdentifier`) and before a search or a
deconfliction check compares with it, so equal identifiers compare equal in SQL, by index.

Each function returns the normalised text or raises `ValidationError` naming `field` with a message
(a module constant) saying what is expected. None of them reads the database.
"""

import ipaddress
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

POSTCODE_INVALID = "Enter a UK postcode, e.g. ST16 2DJ or B1 1AA."
PHONE_INVALID = "Enter a phone number, e.g. 07700 900123 or +44 7700 900123 (other countries with their + code)."
EMAIL_INVALID = "Enter an e-mail address, e.g. name@example.com."
IP_INVALID = "Enter a valid IPv4 or IPv6 address."
PNC_INVALID = "Enter a PNC ID as year / number and check letter, e.g. 98/123456X."
DOCUMENT_REFERENCE_INVALID = (
    "Enter the reference as written on the document: letters, digits, spaces and / - . only, at most 40 characters."
)

# The shape of a UK postcode (Royal Mail's Postcode Address File): an outward code of one or two
# letters, a digit, and an optional digit or letter (A9, A99, AA9, AA99, A9A, AA9A), then an inward
# code of a digit and two letters. The shape only: whether the postcode exists is not checked.
# "GIR 0AA" (Girobank) is the one postcode of another shape still in use.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_PNC = re.compile(r"^([0-9]{2,4})/?0*([0-9]{1,7})([A-Z])$")
_SPACE = re.compile(r"\s+")
# A reference written on a court's document (a warrant's number, the court's case number): letters
# and digits, with the separators courts print between their parts.
_DOCUMENT_REFERENCE = re.compile(r"^[A-Z0-9](?:[A-Z0-9 /.-]{0,38}[A-Z0-9])?$")
# Punctuation that people write or leave out in names and addresses: "St. John's Rd," = "ST JOHNS RD".
_NOT_WORD = re.compile(r"[^\w\s]")
_EMAIL = EmailValidator()

# Numbers written without a + code are read as UK numbers.
DEFAULT_PHONE_REGION = "GB"


def plain_text(value: str) -> str:
    """NFKC (so full-width and compatibility characters read as their plain forms), upper case,
    whitespace runs to one space, no leading or trailing space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip().upper()


def normalise_reference(value: str) -> str:
    """A reference (case, CEOP, NCMEC, CAID, force RMS, exhibit, communications-data request)."""
    return plain_text(value)


def normalise_document_reference(value: str, *, field: str) -> str:
    """A reference a court writes on a document (a warrant's reference, the issuing court's own
    reference): as `normalise_reference`, and refused unless it is letters, digits, spaces and the
    separators / - . (not first or last), at most 40 characters: "t2026 0142 " -> "T2026 0142"."""
    text = normalise_reference(value)
    if not _DOCUMENT_REFERENCE.match(text):
        raise ValidationError({field: DOCUMENT_REFERENCE_INVALID})
    return text


def normalise_name(value: str) -> str:
    """A person's name: plain text without punctuation, so "O'Neil, J." and "ONEIL J" are equal."""
    return _SPACE.sub(" ", _NOT_WORD.sub("", plain_text(value))).strip()


def normalise_address(address: str, postcode: str = "") -> str:
    """An address and its postcode as one line without punctuation: "1 High St.,\\nStafford" and
    "1 HIGH ST STAFFORD" are equal. The postcode, if given, is normalised and put last."""
    text = normalise_name(address.replace("\n", " ").replace(",", " "))
    if postcode.strip():
        text = f"{text} {normalise_postcode(postcode)}".strip()
    return text


def normalise_postcode(value: str, *, field: str = "postcode") -> str:
    """A UK postcode in capitals with one space before the inward code: " st162dj " -> "ST16 2DJ"."""
    compact = _SPACE.sub("", unicodedata.normalize("NFKC", value)).upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.match(compact)
    if match is None:
        raise ValidationError({field: POSTCODE_INVALID})
    return f"{match.group(1)} {match.group(2)}"


def normalise_phone(value: str, *, field: str = "phone") -> str:
    """A phone number in E.164 (+447700900123); a number without a + code is read as a UK number.
    Refused unless its length is possible for its country. (Not checked against the allocated
    ranges: a number from a range allocated since the library's release, or one of Ofcom's ranges
    for drama and tests, must still be recordable.)"""
    text = unicodedata.normalize("NFKC", value).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError({field: PHONE_INVALID}) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError({field: PHONE_INVALID})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str, *, field: str = "email") -> str:
    """An e-mail address in lower case. (The part before @ may in principle be case-sensitive; no
    mainstream provider treats it so, and a missed match costs more than a false one, which a
    person then checks.)"""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    try:
        _EMAIL(text)
    except ValidationError:
        raise ValidationError({field: EMAIL_INVALID}) from None
    return text


def normalise_ip(value: str, *, field: str = "ip_address") -> str:
    """An IP address in its canonical form: IPv4 dotted decimal; IPv6 compressed and in lower case
    (RFC 5952), an IPv4-mapped IPv6 address (::ffff:192.0.2.1) as the IPv4 address it carries."""
    try:
        address = ipaddress.ip_address(unicodedata.normalize("NFKC", value).strip())
    except ValueError:
        raise ValidationError({field: IP_INVALID}) from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return address.compressed


def normalise_pnc(value: str, *, field: str = "pnc_id") -> str:
    """A PNC ID as year/number and check letter, the number without leading zeros: "98/0123456x"
    and "98/123456X" are the same person."""
    compact = _SPACE.sub("", unicodedata.normalize("NFKC", value)).upper()
    match = _PNC.match(compact)
    if match is None:
        raise ValidationError({field: PNC_INVALID})
    return f"{match.group(1)}/{match.group(2)}{match.group(3)}"


def normalise_account(value: str) -> str:
    """An online account (user name or numeric ID): NFKC and case-folded, as platforms compare names."""
    return unicodedata.normalize("NFKC", value).strip().casefold()
