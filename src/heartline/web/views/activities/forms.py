"""Forms of the activities pages. They parse input; the services validate and write."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heartline.activities.models import Activity

CONTEXTS = ("my_day", "customer", "deal")
REMIND_CHOICES = [
    ("", _("No reminder")),
    ("0", _("At the time")),
    ("5", _("5 minutes before")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _next_hour() -> datetime.datetime:
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)


class ActivityForm(forms.Form):
    """The quick add form (on my day, a customer's desk and a deal page)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    due_at = forms.DateTimeField(label=_("When"), widget=LocalDateTimeInput())
    all_day = forms.BooleanField(label=_("All day"), required=False)
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=1, max_value=7 * 24 * 60, required=False
    )
    remind_minutes_before = forms.TypedChoiceField(
        label=_("Reminder"),
        choices=REMIND_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=Activity.Priority.choices,
        coerce=int,
        initial=Activity.Priority.NORMAL,
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    customer_id = forms.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput
    )
    deal_id = forms.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput
    )
    context = forms.ChoiceField(
        choices=[(c, c) for c in CONTEXTS],
        initial="my_day",
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("due_at", _next_hour())
            self.initial.setdefault("remind_minutes_before", "15")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("customer_id", "deal_id", "context", "duration_minutes"):
            data.pop(name)
        minutes = self.cleaned_data["duration_minutes"]
        if minutes and not data["all_day"]:
            data["end_at"] = data["due_at"] + datetime.timedelta(minutes=minutes)
        return data


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    follow_up_due = forms.DateField(label=_("Follow up on"), required=False, widget=DateInput())
    context = forms.ChoiceField(
        choices=[(c, c) for c in CONTEXTS],
        initial="my_day",
        required=False,
        widget=forms.HiddenInput,
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)
    context = forms.ChoiceField(
        choices=[(c, c) for c in CONTEXTS],
        initial="my_day",
        required=False,
        widget=forms.HiddenInput,
    )


class KindFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Activity.Kind.choices], required=False
    )
