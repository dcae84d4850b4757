"""Forms of the customer pages. They parse and validate input; the services do the writes."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from heartline.customers import identities
from heartline.customers.exports import MAX_EXPORT
from heartline.customers.imports import FIELDS, IDENTITY_FIELDS, MAX_BYTES
from heartline.customers.merge import CHOOSABLE
from heartline.customers.models import Customer
from heartline.timeline.models import Interaction

IDENTIFIER_FIELDS = ("phone", "email", "member_no")
IGNORE = "ignore"
EXPORT_FORMATS = [("vcard4", _("vCard 4.0")), ("vcard3", _("vCard 3.0")), ("csv", _("CSV"))]
ON_DUPLICATE = [
    ("skip", _("Skip rows that match an existing customer")),
    ("merge", _("Merge them into the existing customer")),
]


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


class CustomerCreateForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    member_no = forms.CharField(label=_("Member number"), max_length=64, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.PERSON
    )
    name_cjk = forms.CharField(label=_("Name in characters"), max_length=100, required=False)
    name_latin = forms.CharField(label=_("Name in Latin script"), max_length=200, required=False)
    birthday_month = forms.IntegerField(
        label=_("Birthday: month"), min_value=1, max_value=12, required=False
    )
    birthday_day = forms.IntegerField(
        label=_("Birthday: day"), min_value=1, max_value=31, required=False
    )
    birthday_year = forms.IntegerField(
        label=_("Birthday: year (optional)"), min_value=1900, max_value=2100, required=False
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=500,
        required=False,
        help_text=_("Separate tags with commas."),
    )
    # Hidden until the page has shown possible duplicates (see views.customers.desk).
    not_a_duplicate = forms.BooleanField(
        label=_("These are different people: create the customer anyway"),
        required=False,
        widget=forms.HiddenInput,
    )

    def ask_about_duplicates(self) -> None:
        self.fields["not_a_duplicate"].widget = forms.CheckboxInput()

    def _clean_identifier(self, kind: str) -> str:
        raw: str = self.cleaned_data.get(kind, "")
        if not raw:
            return ""
        try:
            return identities.normalise(kind, raw)
        except ValidationError as error:
            raise ValidationError(error.messages) from error

    def clean_phone(self) -> str:
        return self._clean_identifier("phone")

    def clean_email(self) -> str:
        return self._clean_identifier("email")

    def clean_member_no(self) -> str:
        return self._clean_identifier("member_no")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in IDENTIFIER_FIELDS if self.data.get(name, "").strip()]
        if not given:
            self.add_error(
                None,
                _(
                    "Give one way to recognise the customer: a phone number, "
                    "an e-mail address or a member number."
                ),
            )
        month, day, year = (data.get(f"birthday_{p}") for p in ("month", "day", "year"))
        if any(f"birthday_{p}" in self.errors for p in ("month", "day", "year")):
            return data
        if (month is None) != (day is None):
            self.add_error("birthday_day", _("Give both the month and the day of the birthday."))
        elif month is not None and day is not None:
            if year is not None and year > datetime.date.today().year:
                self.add_error("birthday_year", _("That year is in the future."))
            try:
                datetime.date(year or 2000, month, day)
            except ValueError:
                self.add_error("birthday_day", _("That day does not exist in that month."))
        elif year is not None:
            self.add_error("birthday_month", _("Give the month and the day of the birthday."))
        return data

    def tag_list(self) -> list[str]:
        return [t.strip() for t in re.split(r"[,，;；]", self.cleaned_data["tags"]) if t.strip()]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    pinned = forms.BooleanField(label=_("Worth remembering (pin it)"), required=False)


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Interaction.Channel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Interaction.Direction.choices)
    topic = forms.CharField(label=_("Topic"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.CharField(label=_("Promised follow-up"), max_length=300, required=False)
    follow_up_due = forms.DateField(
        label=_("Follow-up due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("follow_up_due") and not data.get("follow_up"):
            self.add_error("follow_up", _("Say what was promised for that date."))
        if not data.get("topic") and not data.get("summary"):
            self.add_error("summary", _("Give a topic or a summary."))
        return data


class TimelineCursorForm(forms.Form):
    before_at = forms.DateTimeField()
    before_id = forms.IntegerField(min_value=1)


class DuplicatePairFilterForm(forms.Form):
    """The scan's pairs page: a minimum score, and the keyset cursor "<score>.<pair id>"."""

    min_score = forms.IntegerField(
        label=_("Minimum score"), min_value=0, max_value=100, required=False
    )
    after = forms.RegexField(regex=r"^\d{1,3}\.\d{1,18}$", required=False, widget=forms.HiddenInput)

    def clean_after(self) -> tuple[int, int] | None:
        value = self.cleaned_data["after"]
        if not value:
            return None
        score, pair_id = (int(part) for part in value.split("."))
        if score > 100 or pair_id < 1:
            raise ValidationError(_("Bad cursor."), code="bad_cursor")
        return score, pair_id


class MergeForm(forms.Form):
    """One radio per choosable field: keep the survivor's value or take the duplicate's."""

    def __init__(self, *args: Any, survivor: Customer, duplicate: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[str, Any, Any, forms.BoundField]] = []
        for name in CHOOSABLE:
            mine, theirs = getattr(survivor, name), getattr(duplicate, name)
            label = getattr(Customer._meta.get_field(name), "verbose_name", name)
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=[("survivor", _("Keep")), ("duplicate", _("Take"))],
                initial="duplicate" if (theirs and not mine) else "survivor",
                widget=forms.RadioSelect,
            )
            self.rows.append((name, mine, theirs, self[name]))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or vCard file"), help_text=_("A .csv, .vcf or .vcard file of at most 20 MB.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file is larger than 20 MB."))
        if name.endswith(".csv"):
            upload.heartline_kind = "csv"
        elif name.endswith((".vcf", ".vcard")):
            upload.heartline_kind = "vcard"
        else:
            raise ValidationError(_("Upload a CSV file (.csv) or a vCard file (.vcf)."))
        return upload


class ImportOptionsForm(forms.Form):
    on_duplicate = forms.ChoiceField(
        label=_("Rows that match an existing customer"),
        choices=ON_DUPLICATE,
        initial="skip",
        widget=forms.RadioSelect,
    )


class MappingForm(ImportOptionsForm):
    """A select per CSV column: which customer field it holds, or ignore it."""

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [(IGNORE, _("ignore")), *[(f, f) for f in sorted(FIELDS)]]
        for index, column in enumerate(columns):
            guess = column.strip().lower()
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=column, choices=choices, initial=guess if guess in FIELDS else IGNORE
            )

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[f"col_{index}"]
            for index, column in enumerate(self.columns)
            if self.cleaned_data.get(f"col_{index}", IGNORE) != IGNORE
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [
            data[f"col_{i}"] for i in range(len(self.columns)) if data.get(f"col_{i}", IGNORE)
        ]
        chosen = [c for c in chosen if c != IGNORE]
        twice = sorted({c for c in chosen if chosen.count(c) > 1})
        if twice:
            self.add_error(None, _("Each field may be chosen once: %s") % ", ".join(twice))
        if not any(c in IDENTITY_FIELDS for c in chosen):
            self.add_error(
                None, _("Map at least one column to an identifier (phone, e-mail, member number).")
            )
        return data


class IdListField(forms.Field):
    """Many ``ids`` values, each a positive whole number."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        if len(values) > MAX_EXPORT:
            raise ValidationError(
                _("Export at most %(n)s customers at a time.") % {"n": MAX_EXPORT}
            )
        if not all(isinstance(v, str) and v.isdigit() and len(v) < 19 for v in values):
            raise ValidationError(_("Customer ids are whole numbers."))
        return [int(v) for v in values]


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=EXPORT_FORMATS)
    ids = IdListField(required=False)
    q = forms.CharField(max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("ids") and not data.get("q"):
            self.add_error(None, _("Choose customers to export, or export the search results."))
        return data
