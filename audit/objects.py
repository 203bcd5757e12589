"""What an audit entry is about (`AuditEntry.object_type`): one vocabulary for every entry.

- One row of a model is named by the model's label (`cases.Case`, `warrants.Warrant`,
  `otp_totp.TOTPDevice`), or by the label in `TRAIL_LABELS` for a model that moved app: the name
  the row triggers write (audit/triggers.py), so a record's reads, changes and refusals share one
  spelling. Writers pass the model class itself (`object_type=Device`); `object_type_value` turns
  it into its name. The audit app imports no other app's models: every other app hands its own in.
- Anything else is a member of `ObjectType`, audit's own plain values: the audit trail, a page that
  is not about one record, a refused request, an import file, the figures and the dashboard.

`audit_record` refuses any other value, as it refuses an unknown kind. Entries written before the
vocabulary was one keep their stored spelling ("case", "device", "exportjob"): the hash chain covers
`object_type`, so they are never rewritten; `canonical_object_type` reads them as the label they
meant, and the auditor pages and the CSV export show that.
"""

from django.apps import apps
from django.db import models


class ObjectType(models.TextChoices):
    """The things an entry can be about that are not one row of a model.

    Values are stored as written and covered by the hash chain: never change a value, add a member.
    """

    AUDIT_TRAIL = "audit.AuditEntry", "Audit trail"
    PAGE = "page", "Page"
    REQUEST = "request", "Request"
    IMPORT = "import", "Import file"
    FIGURES = "cases.Figures", "Figures"
    DASHBOARD = "cases.Dashboard", "Supervisor's dashboard"


ObjectTypeArgument = ObjectType | type[models.Model]

# People, teams and forces were first kept in the cases app: the trail goes on naming their rows as it
# always has, so that one person's history reads under one name.
TRAIL_LABELS = {
    "accounts.Force": "cases.Force",
    "accounts.Team": "cases.Team",
    "accounts.User": "cases.User",
    "accounts.User_groups": "cases.User_groups",
    "accounts.User_teams": "cases.User_teams",
    "accounts.User_user_permissions": "cases.User_user_permissions",
}
_MODEL_LABELS = {trail: label for label, trail in TRAIL_LABELS.items()}


class UnknownObjectType(ValueError):
    pass


def object_type_value(object_type: ObjectTypeArgument) -> str:
    """The stored value for `object_type`: a member's value, or a model's name in the trail."""
    if isinstance(object_type, ObjectType):
        return object_type.value
    if isinstance(object_type, type) and issubclass(object_type, models.Model):
        label = str(object_type._meta.label)
        return TRAIL_LABELS.get(label, label)
    raise UnknownObjectType(
        f"Unknown audit object type {object_type!r}: pass a model class or an audit.objects.ObjectType member."
    )


def canonical_object_type(value: str) -> str:
    """A stored value as the vocabulary names it now: an older short spelling (a model's lower-case
    name, as in "case" or "exportjob") becomes the model's name in the trail; anything else is
    returned as it is."""
    if not value or "." in value or value in ObjectType.values:
        return value
    models_named = [model for model in apps.get_models() if model._meta.model_name == value]
    return object_type_value(models_named[0]) if len(models_named) == 1 else value


def model_of(value: str) -> type[models.Model] | None:
    """The installed model a stored value names, through Django's app registry; None for an
    `ObjectType` member or a model since removed."""
    value = canonical_object_type(value)
    if not value or value in ObjectType.values:
        return None
    try:
        return apps.get_model(_MODEL_LABELS.get(value, value))
    except (LookupError, ValueError):
        return None


def object_type_label(value: str) -> str:
    """How the auditor pages name a stored value: "Case", "Device", "Audit trail"; the value itself
    when it names nothing installed (a model since removed)."""
    value = canonical_object_type(value)
    if value in ObjectType.values:
        return str(ObjectType(value).label)
    model = model_of(value)
    if model is None:
        return value
    return str(model._meta.verbose_name).capitalize()


def describe_object(object_type: ObjectTypeArgument, object_id: object = "") -> str:
    """ "device 12", "case": how an entry's summary names what it is about."""
    return f"{object_type_label(object_type_value(object_type)).lower()} {object_id}".strip()
