"""Referral forms. Each runs its service's checks of the values it holds beside its field checks
(`service_checks`); the rules that need the referral on record are in the services."""

from collections.abc import Callable
from functools import cache
from zoneinfo import available_timezones

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, NUMBER_MAX, Form, datetime_field
from cases.models import CommsDataRequest, Referral, ReferralIdentifier
from cases.services.referrals import (
    IDENTIFIER_PORT_RANGE,
    comms_request_check_approved,
    comms_request_check_result,
    comms_request_check_submitted,
    identifier_check_values,
    referral_check_outcome,
    referral_check_received,
)


class ReferralForm(Form):
    source = forms.ChoiceField(choices=Referral.Source.choices)
    source_reference = forms.CharField(max_length=80, help_text="e.g. the CEOP or CyberTipline reference.")
    received_at = datetime_field("Received at")
    risk_grade = forms.ChoiceField(choices=Referral.RiskGrade.choices, help_text="KIRAT-style risk grade.")
    platform = forms.CharField(max_length=120, required=False, help_text="Service or network, e.g. BitTorrent.")
    files_reported = forms.IntegerField(
        label="Number of files reported",
        min_value=0,
        max_value=NUMBER_MAX,
        required=False,
        help_text="A count only, never files.",
    )
    summary = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), required=False)
    service_checks = (referral_check_received,)


# The zones referrals most often state, offered first: the UK, UTC (most platforms' reports), the
# United States' zones (NCMEC's CyberTipline in Virginia, the large platforms in California), then
# Ireland and central Europe (European platforms' offices) and a few more.
COMMON_TIME_ZONES = (
    ("Europe/London", "UK (Europe/London)"),
    ("UTC", "UTC"),
    ("America/New_York", "US Eastern (America/New_York)"),
    ("America/Chicago", "US Central (America/Chicago)"),
    ("America/Denver", "US Mountain (America/Denver)"),
    ("America/Los_Angeles", "US Pacific (America/Los_Angeles)"),
    ("Europe/Dublin", "Ireland (Europe/Dublin)"),
    ("Europe/Amsterdam", "Netherlands (Europe/Amsterdam)"),
    ("Europe/Berlin", "Germany (Europe/Berlin)"),
    ("Europe/Paris", "France (Europe/Paris)"),
    ("Asia/Kolkata", "India (Asia/Kolkata)"),
    ("Asia/Singapore", "Singapore (Asia/Singapore)"),
    ("Australia/Sydney", "Australia Eastern (Australia/Sydney)"),
)


@cache
def _time_zone_choices() -> list[tuple[str, object]]:
    """The common zones first, then every other zone by name; each zone once."""
    common = {zone for zone, _label in COMMON_TIME_ZONES}
    others = [(zone, zone) for zone in sorted(available_timezones() - common)]
    return [("", "Choose a time zone"), ("Most used", list(COMMON_TIME_ZONES)), ("All other zones", others)]


class ReferralIdentifierForm(Form):
    kind = forms.ChoiceField(label="Identifier", choices=ReferralIdentifier.Kind.choices, widget=forms.RadioSelect)
    ip_address = forms.CharField(label="IP address", max_length=45, required=False, help_text="IPv4 or IPv6.")
    port = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=65535,
        help_text="1 to 65535.",
        error_messages={"min_value": IDENTIFIER_PORT_RANGE, "max_value": IDENTIFIER_PORT_RANGE},
    )
    account_id = forms.CharField(
        label="Account ID, phone number or e-mail address",
        max_length=200,
        required=False,
        help_text="A phone number without a + code is read as a UK number.",
    )
    observed_original = forms.CharField(
        label="Time of observation, as the referral gives it",
        max_length=80,
        required=False,
        help_text="Copy it exactly, e.g. 2026-11-02 21:14:07. Needed for an IP address.",
    )
    observed_timezone = forms.ChoiceField(
        label="Time zone of that time",
        choices=_time_zone_choices,
        required=False,
        help_text="The zone the referral states, e.g. UTC or America/New_York. Safeguard converts the time to UTC.",
    )
    service_checks = (identifier_check_values,)


class CommsRequestForm(Form):
    reference = forms.CharField(max_length=80, help_text="The communications-data request reference.")
    submitted_at = datetime_field("Submitted at")
    notes = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), required=False)
    service_checks: tuple[Callable[..., None], ...] = (comms_request_check_submitted,)


class CommsRequestRecordForm(CommsRequestForm):
    """A request with its approval and result, as a correction shows them together (an approval or a
    result not yet recorded is added on its own page)."""

    approved_at = datetime_field("Approved at", required=False)
    approval_route = forms.ChoiceField(choices=CommsDataRequest.Route.choices, required=False)
    result_received_at = datetime_field("Result received at", required=False)
    outcome = forms.ChoiceField(choices=CommsDataRequest.Outcome.choices, required=False)
    service_checks = (comms_request_check_submitted, comms_request_check_approved, comms_request_check_result)


class CommsApprovalForm(Form):
    approved_at = datetime_field("Approved at")
    approval_route = forms.ChoiceField(choices=CommsDataRequest.Route.choices, widget=forms.RadioSelect)
    service_checks = (comms_request_check_approved,)


class CommsResultForm(Form):
    result_received_at = datetime_field("Result received at")
    outcome = forms.ChoiceField(
        choices=[
            (CommsDataRequest.Outcome.RESOLVED.value, CommsDataRequest.Outcome.RESOLVED.label),
            (CommsDataRequest.Outcome.NOT_RESOLVED.value, CommsDataRequest.Outcome.NOT_RESOLVED.label),
        ],
        widget=forms.RadioSelect,
    )
    time_checked = forms.BooleanField(
        label="I have checked the conversion of the time of observation to UTC",
        help_text="You are recorded as the person who verified it.",
    )
    service_checks = (comms_request_check_result,)


class ReferralOutcomeForm(Form):
    outcome = forms.ChoiceField(
        choices=[
            (Referral.Outcome.DISSEMINATED.value, Referral.Outcome.DISSEMINATED.label),
            (Referral.Outcome.NO_FURTHER_ACTION.value, Referral.Outcome.NO_FURTHER_ACTION.label),
        ],
        widget=forms.RadioSelect,
        help_text="To develop it into an investigation, open a case from the referral instead.",
    )
    outcome_at = datetime_field("Outcome at")
    disseminated_to = forms.CharField(max_length=120, required=False, help_text="The force or agency, if disseminated.")
    outcome_reason = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Needed for no further action.",
    )
    service_checks = (referral_check_outcome,)
