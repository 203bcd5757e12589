"""Forms of work: a task, passing it on, marking it done, and a supervisor's review. They check shape
only; the rules are the services' (work.services)."""

from typing import Any

from django import forms

from accounts.models import User
from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, ModelChoiceField, model_choice
from cases.models import Case
from cases.selectors import case_people
from safeguard.dates import date_field
from work.models import Task
from work.services import Action

# How many actions a review form offers (more can be set as tasks afterwards).
REVIEW_ACTIONS = 3
ACTION_INCOMPLETE = "Give the action, whose it is and when it is due, or leave all three empty."


class TaskForm(Form):
    title = forms.CharField(label="What is to be done", max_length=200)
    details = forms.CharField(required=False, max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    owner = ModelChoiceField(label="Whose task", queryset=User.objects.none())
    due_on = date_field("Due date")
    priority = forms.ChoiceField(choices=Task.Priority.choices, initial=Task.Priority.NORMAL)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "owner").queryset = case_people(case)


class TaskReassignForm(Form):
    id_prefix = "reassign"
    owner = ModelChoiceField(label="Pass it to", queryset=User.objects.none())
    reason = forms.CharField(label="Reason", max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, task: Task, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "owner").queryset = case_people(task.case).exclude(pk=task.owner_id)


class TaskCompleteForm(Form):
    id_prefix = "complete"
    note = forms.CharField(
        label="What was done",
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the task as its completion note.",
    )


class TaskDismissForm(Form):
    id_prefix = "dismiss"
    reason = forms.CharField(
        label="Why it is not needed",
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(Form):
    reviewed_on = date_field("Date of the review")
    decision = forms.CharField(
        label="Decision and rationale", max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_review_on = date_field(
        "Next review date",
        required=False,
        help_text="Leave empty for the review cadence of the case's stage (a local target).",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = case_people(case)
        for n in range(1, REVIEW_ACTIONS + 1):
            self.fields[f"action_{n}"] = forms.CharField(label=f"Action {n}", required=False, max_length=200)
            self.fields[f"action_{n}_owner"] = ModelChoiceField(
                label=f"Action {n}: whose", queryset=people, required=False
            )
            self.fields[f"action_{n}_due_on"] = date_field(f"Action {n}: due date", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, REVIEW_ACTIONS + 1):
            parts = [data.get(f"action_{n}"), data.get(f"action_{n}_owner"), data.get(f"action_{n}_due_on")]
            if any(parts) and not all(parts):
                self.add_error(f"action_{n}", ACTION_INCOMPLETE)
        return data

    def review(self) -> dict[str, Any]:
        """The cleaned values as `review_record` takes them: the actions given, each an `Action`."""
        data = self.cleaned_data
        actions = [
            Action(title=data[f"action_{n}"], owner=data[f"action_{n}_owner"], due_on=data[f"action_{n}_due_on"])
            for n in range(1, REVIEW_ACTIONS + 1)
            if data.get(f"action_{n}")
        ]
        return {
            "reviewed_on": data["reviewed_on"],
            "decision": data["decision"],
            "next_review_on": data.get("next_review_on"),
            "actions": actions,
        }
