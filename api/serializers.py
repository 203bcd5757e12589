"""What the API answers and the query parameters it takes (docs/api.md)."""

from typing import Any

from rest_framework import serializers

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, NUMBER_MAX
from cases.models import Case, Referral, ReferralIdentifier
from reports.figures import COUNTS, FLOWS, FigureRow, FiguresReport
from reports.forms import PeriodForm
from safeguard.keyset import Cursor

MAX_PAGE_SIZE = 100


class CaseFiltersSerializer(serializers.Serializer[Any]):
    """Query parameters of the case list: each bad value is a 400 naming its field."""

    stage = serializers.ChoiceField(choices=Case.Stage.choices, required=False)
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    updated_since = serializers.DateTimeField(
        required=False, help_text="ISO 8601 (without an offset, London time): cases with a change recorded since then."
    )
    before = serializers.CharField(required=False, help_text="The `older` cursor of the page before.")
    after = serializers.CharField(required=False, help_text="The `newer` cursor of the page before.")
    size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=25)

    def _cursor(self, value: str) -> str:
        if Cursor.decode(value) is None:
            raise serializers.ValidationError("Not a cursor this API gave.")
        return value

    def validate_before(self, value: str) -> str:
        return self._cursor(value)

    def validate_after(self, value: str) -> str:
        return self._cursor(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("before") and attrs.get("after"):
            raise serializers.ValidationError({"after": ["Give before or after, not both."]})
        return attrs


class CaseSerializer(serializers.Serializer[Case]):
    reference = serializers.CharField()
    force = serializers.CharField(source="force.code", help_text="The force's code, e.g. STF.")
    team = serializers.CharField(source="team.name")
    status = serializers.ChoiceField(choices=Case.Status.choices)
    stage = serializers.ChoiceField(choices=Case.Stage.choices)
    stage_label = serializers.CharField(source="get_stage_display")
    operation = serializers.CharField()
    opened_at = serializers.DateTimeField()
    officer_in_case = serializers.CharField(source="officer_in_case.get_full_name")


class CaseDetailSerializer(CaseSerializer):
    district = serializers.CharField()
    supervisor = serializers.CharField(source="supervisor.get_full_name")


class CasePageSerializer(serializers.Serializer[Any]):
    results = CaseSerializer(many=True)
    older = serializers.CharField(allow_null=True, help_text="Pass as `before` for the next, older page.")
    newer = serializers.CharField(allow_null=True, help_text="Pass as `after` for the page newer than this.")


class DeadlineSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    label = serializers.CharField()
    due_at = serializers.DateTimeField()
    status = serializers.CharField(source="status.value", help_text="missed, due_soon, on_track or met.")
    status_label = serializers.CharField()
    met_at = serializers.DateTimeField(allow_null=True)
    outstanding = serializers.BooleanField()
    source = serializers.CharField(help_text="The law or local target that sets it.")


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="Why the request was refused.")


# --- Referral intake: the referral form's fields and its identifiers' (cases/forms/referrals.py) ---

MAX_IDENTIFIERS = 200


class IdentifierInSerializer(serializers.Serializer[Any]):
    """One identifier the referral names: an IP address with its port and time of observation, an
    account ID, a phone number or an e-mail address (the fields of the referral's identifier form)."""

    kind = serializers.ChoiceField(choices=ReferralIdentifier.Kind.choices)
    ip_address = serializers.CharField(max_length=45, required=False, allow_null=True, help_text="IPv4 or IPv6.")
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False, allow_null=True)
    account_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="The account ID, phone number or e-mail address."
    )
    observed_original = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="The time of observation exactly as the referral gives it, e.g. 2026-11-02 21:14:07. "
        "Needed for an IP address.",
    )
    observed_timezone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="The IANA time zone of that time, e.g. UTC."
    )


class ReferralInSerializer(serializers.Serializer[Any]):
    """A referral as the referral form takes it, with its identifiers. Shape only: the rules (a known
    source and grade, received not in the future, no duplicate source reference, each identifier well
    formed) are the services' (cases.services.referrals), as for the form."""

    source = serializers.ChoiceField(choices=Referral.Source.choices)
    source_reference = serializers.CharField(max_length=80, help_text="e.g. the CEOP or CyberTipline reference.")
    received_at = serializers.DateTimeField(help_text="ISO 8601; without an offset, London time.")
    risk_grade = serializers.ChoiceField(choices=Referral.RiskGrade.choices)
    platform = serializers.CharField(max_length=120, required=False, allow_blank=True)
    files_reported = serializers.IntegerField(
        min_value=0, max_value=NUMBER_MAX, required=False, allow_null=True, help_text="A count only, never files."
    )
    summary = serializers.CharField(max_length=FREE_TEXT_MAX_LENGTH, required=False, allow_blank=True)
    identifiers = IdentifierInSerializer(many=True, required=False, max_length=MAX_IDENTIFIERS)


class IdentifierOutSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReferralIdentifier.Kind.choices)
    value = serializers.CharField(help_text="As recorded: an IP address with its port, or the value normalised.")
    observed_at = serializers.DateTimeField(allow_null=True, help_text="The time of observation in UTC.")


class MatchOutSerializer(serializers.Serializer[Any]):
    """A deconfliction match, as the notice a person recording the referral is shown."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    visible = serializers.BooleanField(help_text="Whether the client may read the other record.")
    record = serializers.CharField(help_text="The other record, if the client may read it; otherwise empty.")
    identifier = serializers.CharField(help_text="The identifier as the other record holds it, if visible.")
    contact = serializers.CharField(help_text="Whom to contact, when the other record may not be read.")


class ReferralDeliveredSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Referral.Source.choices)
    source_reference = serializers.CharField()
    received_at = serializers.DateTimeField()
    risk_grade = serializers.ChoiceField(choices=Referral.RiskGrade.choices)
    identifiers = IdentifierOutSerializer(many=True)
    matches = MatchOutSerializer(many=True)


# --- Figures (reports.figures, as the figures page) ---


class FiguresQuerySerializer(serializers.Serializer[Any]):
    """`from` and `to`, London dates, both included, checked by the figures page's own form
    (reports.forms.PeriodForm): left out, the page's default period (the last 90 days)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(required=False, help_text="First day, YYYY-MM-DD (London)."),
            "to": serializers.DateField(required=False, help_text="Last day, included, YYYY-MM-DD; not in the future."),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = PeriodForm({"date_from": attrs.get("from") or "", "date_to": attrs.get("to") or ""})
        if not form.is_valid():
            names = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError({names.get(f, f): list(e) for f, e in form.errors.items()})
        return {"period": form.period()}


class FlowSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text="How many pairs of events were timed.")
    median_days = serializers.FloatField(source="median", allow_null=True)
    p90_days = serializers.FloatField(source="p90", allow_null=True)


def _counts_serializer() -> serializers.Serializer[Any]:
    fields = {name: serializers.IntegerField(help_text=label) for name, label in COUNTS}
    return type("FigureCountsSerializer", (serializers.Serializer,), fields)()


def _flows_serializer() -> serializers.Serializer[Any]:
    fields = {name: FlowSerializer(help_text=label) for name, label in FLOWS}
    return type("FigureFlowsSerializer", (serializers.Serializer,), fields)(allow_null=True)


class FigureRowSerializer(serializers.Serializer[FigureRow]):
    level = serializers.ChoiceField(choices=["team", "force", "region_force", "region"])
    region = serializers.CharField()
    force = serializers.CharField()
    team = serializers.CharField()
    counts = _counts_serializer()
    flows = _flows_serializer()
    charging_decisions_met = serializers.IntegerField(source="charging_met")
    charging_decisions_missed = serializers.IntegerField(source="charging_missed")
    charging_within_target_percent = serializers.FloatField(source="charging_share_met", allow_null=True)


class FiguresSerializer(serializers.Serializer[FiguresReport]):
    date_from = serializers.DateField(source="period.first")
    date_to = serializers.DateField(source="period.last")
    facts_as_of = serializers.DateTimeField(
        allow_null=True, help_text="Every record written up to then is counted (docs/figures.md)."
    )
    rows = serializers.ListField(
        child=FigureRowSerializer(), help_text="Each team, the force, then the region's forces."
    )
