"""Forms of the leads pages. They parse input; the rules are the services' (a lead's contact
details are checked by ``leads.contact.clean_lead_input``, as on every other channel)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from heartline.accounts.models import Team
from heartline.customers.models import ConsentEvent
from heartline.leads.assignment import lead_roles
from heartline.leads.contact import CONTACT, ConsentDecision, LeadInput, clean_lead_input
from heartline.leads.imports import FIELDS as IMPORT_FIELDS
from heartline.leads.models import AssignmentRule, Lead, LeadForm, ScoreRule
from heartline.sales.models import Pipeline, Stage

LANGUAGES = [("", _("Unknown")), ("zh-hans", _("Chinese")), ("en", _("English"))]
# The service's error keys that are not this form's field names.
FIELD_OF_ERROR = {"handle": "wechat", "name": "name_cjk"}


def lead_workers() -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True, role__in=lead_roles())
        .order_by("display_name", "username")
    )


def attach_lead_errors(form: forms.Form, error: ValidationError) -> None:
    """A capture's ValidationError on the form: per field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        name = FIELD_OF_ERROR.get(key, key)
        form.add_error(name if name in form.fields and key != CONTACT else None, messages)


class LeadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open")), *Lead.Status.choices],
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *Lead.Source.choices]
    )
    min_score = forms.IntegerField(
        label=_("Score at least"), required=False, min_value=0, max_value=100
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))]
        choices += [(str(u.pk), str(u)) for u in lead_workers()]
        self.fields["owner"].choices = choices  # type: ignore[attr-defined]


class LeadCreateForm(forms.Form):
    name_cjk = forms.CharField(label=_("Name in characters"), max_length=100, required=False)
    name_latin = forms.CharField(label=_("Name in Latin script"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    wechat = forms.CharField(label=_("WeChat ID"), max_length=128, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, required=False)
    territory = forms.CharField(label=_("Territory or region"), max_length=64, required=False)
    message = forms.CharField(
        label=_("Message or need"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("By the assignment rules"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = lead_workers()  # type: ignore[attr-defined]
        for purpose, label in ConsentEvent.Purpose.choices:
            self.fields[f"consent_{purpose}"] = forms.BooleanField(
                label=_("Agreed to: %(purpose)s") % {"purpose": label}, required=False
            )

    def lead_input(self, evidence: str) -> LeadInput:
        data = self.cleaned_data
        wechat = data.get("wechat", "")
        return LeadInput(
            name_cjk=data.get("name_cjk", ""),
            name_latin=data.get("name_latin", ""),
            organisation=data.get("organisation", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            handle=wechat,
            handle_provider="wechat" if wechat else "",
            language=data.get("language", ""),
            territory=data.get("territory", ""),
            message=data.get("message", ""),
            consents=tuple(
                ConsentDecision(p, True, evidence)
                for p in ConsentEvent.Purpose.values
                if data.get(f"consent_{p}")
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                clean_lead_input(self.lead_input(""))
            except ValidationError as error:
                attach_lead_errors(self, error)
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("working", _("Working")),
            ("qualified", _("Qualified")),
            ("disqualified", _("Disqualified")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = lead_workers()  # type: ignore[attr-defined]


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.pipeline} › {obj}"


class ConvertForm(forms.Form):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.none(), empty_label=None
    )
    stage = StageChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.none(),
        required=False,
        empty_label=_("The pipeline's first stage"),
    )
    deal_title = forms.CharField(label=_("Deal title"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=18, decimal_places=4
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("Empty: the pipeline's.")
    )
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer = forms.ChoiceField(label=_("Customer"), required=False)

    def __init__(self, *args: Any, candidates: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["stage"].queryset = (  # type: ignore[attr-defined]
            Stage.objects.filter(pipeline__active=True, kind=Stage.Kind.OPEN)
            .select_related("pipeline")
            .order_by("pipeline__position", "pipeline_id", "position", "id")
        )
        self.fields["customer"].choices = [  # type: ignore[attr-defined]
            ("", _("Found by phone, e-mail or handle, else a new customer")),
            *[(str(cid), label) for cid, label in candidates],
        ]


class CaptureFormForm(forms.Form):
    """A capture form's settings (``leads.setup.leadform_create/update`` check them)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    fields_shown = forms.MultipleChoiceField(
        label=_("Fields"),
        choices=LeadForm.Field.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["name", "phone", "email", "message"],
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=120, required=False)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=120, required=False)
    thank_you_en = forms.CharField(
        label=_("Thank-you text (English)"), max_length=300, required=False
    )
    thank_you_zh = forms.CharField(
        label=_("Thank-you text (Chinese)"), max_length=300, required=False
    )
    allowed_origins = forms.CharField(
        label=_("Sites that may embed it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One origin a line, e.g. https://www.example.com"),
    )
    default_owner = forms.ModelChoiceField(
        label=_("Default owner"), queryset=get_user_model().objects.none(), required=False
    )
    default_team = forms.ModelChoiceField(
        label=_("Default team"), queryset=Team.objects.all(), required=False
    )
    max_per_hour = forms.IntegerField(
        label=_("Submissions per hour, at most"), min_value=1, max_value=100_000, initial=300
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_owner"].queryset = lead_workers()  # type: ignore[attr-defined]
        for purpose, label in ConsentEvent.Purpose.choices:
            self.fields[f"ask_{purpose}"] = forms.BooleanField(
                label=_("Ask for consent: %(purpose)s") % {"purpose": label}, required=False
            )
            self.fields[f"text_{purpose}_en"] = forms.CharField(
                label=_("Wording (English)"), max_length=300, required=False
            )
            self.fields[f"text_{purpose}_zh"] = forms.CharField(
                label=_("Wording (Chinese)"), max_length=300, required=False
            )

    @staticmethod
    def initial_of(form: LeadForm) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": form.name,
            "active": form.active,
            "fields_shown": form.fields,
            "title_en": form.title_en,
            "title_zh": form.title_zh,
            "thank_you_en": form.thank_you_en,
            "thank_you_zh": form.thank_you_zh,
            "allowed_origins": "\n".join(form.allowed_origins),
            "default_owner": form.default_owner_id,
            "default_team": form.default_team_id,
            "max_per_hour": form.max_per_hour,
        }
        for item in form.consents:
            purpose = item["purpose"]
            initial[f"ask_{purpose}"] = True
            initial[f"text_{purpose}_en"] = item.get("text_en", "")
            initial[f"text_{purpose}_zh"] = item.get("text_zh", "")
        return initial

    def main_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith(("ask_", "text_"))]

    def consent_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"ask_{p}"], self[f"text_{p}_en"], self[f"text_{p}_zh"])
            for p in ConsentEvent.Purpose.values
        ]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        consents = [
            {
                "purpose": p,
                "text_en": data.get(f"text_{p}_en", ""),
                "text_zh": data.get(f"text_{p}_zh", ""),
            }
            for p in ConsentEvent.Purpose.values
            if data.get(f"ask_{p}")
        ]
        return {
            "name": data["name"],
            "active": data["active"],
            "fields": list(data["fields_shown"]),
            "consents": consents,
            "allowed_origins": data["allowed_origins"].split(),
            "title_en": data["title_en"],
            "title_zh": data["title_zh"],
            "thank_you_en": data["thank_you_en"],
            "thank_you_zh": data["thank_you_zh"],
            "default_owner": data["default_owner"],
            "default_team": data["default_team"],
            "max_per_hour": data["max_per_hour"],
        }


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8 or GB18030, first line names the columns.")
    )


class MappingForm(forms.Form):
    def __init__(
        self, *args: Any, columns: list[str], guess: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("(ignore)")), *[(f, f) for f in sorted(IMPORT_FIELDS)]]
        for index, column in enumerate(columns):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=column, choices=choices, required=False, initial=guess.get(column, "")
            )

    def mapping(self) -> dict[str, str]:
        chosen = {}
        for index, column in enumerate(self.columns):
            target = self.cleaned_data.get(f"col_{index}", "")
            if target:
                chosen[column] = target
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        targets = [v for k, v in data.items() if k.startswith("col_") and v]
        if len(targets) != len(set(targets)):
            raise ValidationError(_("Map each field from one column only."))
        if not targets:
            raise ValidationError(_("Map at least one column."))
        return data


class ScoreRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Rule"), choices=ScoreRule.Kind.choices)
    value = forms.CharField(
        label=_("Value"),
        max_length=300,
        required=False,
        help_text=_("Words (comma-separated), a source, a territory, a language or a purpose."),
    )
    points = forms.IntegerField(label=_("Points"), min_value=-100, max_value=100)


class AssignmentRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    match_territory = forms.CharField(
        label=_("When the territory is"), max_length=64, required=False
    )
    match_language = forms.ChoiceField(
        label=_("When the language is"), choices=[("", _("Any")), *LANGUAGES[1:]], required=False
    )
    match_source = forms.ChoiceField(
        label=_("When the source is"),
        choices=[("", _("Any")), *Lead.Source.choices],
        required=False,
    )
    method = forms.ChoiceField(label=_("Assign"), choices=AssignmentRule.Method.choices)
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=get_user_model().objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = lead_workers()  # type: ignore[attr-defined]
