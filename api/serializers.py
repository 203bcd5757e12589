"""What the API answers and the query parameters it takes (docs/api.md)."""

from typing import Any

from rest_framework import serializers

from cases.models import Case
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
