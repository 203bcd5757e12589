"""Form for a safeguarding record: counts and a pseudonymous reference, never a child's name."""

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, datetime_field, version_field
from cases.models import SafeguardingReferral
from cases.services.safeguarding import safeguarding_check_values


class SafeguardingForm(Form):
    pseudonymous_reference = forms.CharField(
        label="Pseudonymous reference",
        max_length=40,
        help_text="Never a name. Capital letters and digits joined by hyphens, e.g. CHILD-A or C1.",
    )
    children_count = forms.IntegerField(label="Children with access to the suspect", min_value=0, max_value=999)
    relationship = forms.ChoiceField(
        label="Relationship to the suspect", choices=SafeguardingReferral.Relationship.choices
    )
    mash_referred_at = datetime_field("Referred to the MASH at", required=False)
    mash_reference = forms.CharField(label="MASH reference", max_length=40, required=False)
    strategy_discussion = forms.BooleanField(label="Strategy discussion held", required=False)
    section_47_enquiry = forms.BooleanField(label="Section 47 enquiry", required=False)
    children_safeguarded = forms.IntegerField(
        label="Children safeguarded",
        min_value=0,
        max_value=999,
        initial=0,
        help_text="Children subject to a joint police and children's services safeguarding response.",
    )
    outcome = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    service_checks = (safeguarding_check_values,)


class SafeguardingEditForm(SafeguardingForm):
    """The same fields, for a record that already exists: with the version it was opened on."""

    version = version_field()
