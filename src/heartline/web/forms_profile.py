"""Forms of the desk's inline editors: profile, preferences, consent, moments, addresses,
relations and identifiers. They parse and refuse bad input (a 400 with the message); the
services in ``customers`` do the writes."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from heartline.customers import identities
from heartline.customers.models import ConsentEvent, Customer, Identity, Moment

MAX_ID = 2**63 - 1
LIST_SEPARATORS = re.compile(r"[,，;；、\n]")
# Bidirectional overrides and isolates reorder what a reader sees (spoofed names, addresses).
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}

CUSTOMER_LANGUAGES = [
    ("", _("Not known")),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
CONTACT_CHANNELS = [
    ("", _("No preference")),
    ("phone", _("Phone")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
    ("wechat", _("WeChat")),
    ("post", _("Post")),
]
CONSENT_SOURCES = [
    ("phone", _("Phone call")),
    ("store", _("In person")),
    ("paper", _("Signed paper form")),
    ("email", _("E-mail")),
    ("chat", _("Chat")),
    ("wechat", _("WeChat")),
    ("web", _("Web form")),
]
CONSENT_DECISIONS = [("grant", _("Granted")), ("withdraw", _("Declined or withdrawn"))]
# What the agent chooses -> (Relation.kind, whether the other customer is the relation's owner).
RELATION_CHOICES = [
    ("household", _("Household member of")),
    ("employer", _("Works for")),
    ("employee", _("Employs")),
    ("referred_by", _("Was referred by")),
    ("referred", _("Referred")),
]
RELATION_KINDS = {
    "household": ("household", False),
    "employer": ("employer", False),
    "employee": ("employer", True),
    "referred_by": ("referred_by", False),
    "referred": ("referred_by", True),
}


def plain_text(value: str, *, multiline: bool = False) -> None:
    """Refuse control characters (but new lines in a text area) and bidirectional overrides."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) == "Cc" or char in _BIDI:
            raise ValidationError(
                _("Use printable characters only (no control or direction characters)."),
                code="control_character",
            )


class LineField(forms.CharField):
    """One line of printable text (the database never sees NUL or control characters)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            plain_text(value, multiline=isinstance(self.widget, forms.Textarea))


class ListField(LineField):
    """Words separated by commas (also Chinese ones), each at most ``item_length`` long."""

    def __init__(self, *args: Any, item_length: int = 100, items: int = 20, **kwargs: Any):
        self.item_length, self.items = item_length, items
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        words = [w.strip() for w in LIST_SEPARATORS.split(text or "") if w.strip()]
        if len(words) > self.items:
            raise ValidationError(_("Give at most %(n)s entries.") % {"n": self.items})
        if any(len(w) > self.item_length for w in words):
            raise ValidationError(
                _("Each entry is at most %(n)s characters.") % {"n": self.item_length}
            )
        return list(dict.fromkeys(words))

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


def _with_current(choices: list[tuple[str, Any]], current: str) -> list[tuple[str, Any]]:
    """Keep a stored value that is not among the offered choices (so saving does not lose it)."""
    if current and current not in dict(choices):
        return [*choices, (current, current)]
    return choices


class EditorForm(forms.Form):
    """Several editors can be open on one page: each names its inputs' ids apart."""

    id_prefix = "editor"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ProfileForm(EditorForm):
    id_prefix = "profile"
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices)
    name_cjk = LineField(
        label=_("Name in characters"),
        max_length=100,
        help_text=_("For an organisation: its name."),
    )
    name_pinyin = LineField(
        label=_("Pinyin"),
        max_length=200,
        help_text=_("Leave empty to derive it from the characters."),
    )
    name_latin = LineField(label=_("Name in Latin script"), max_length=200)


class PreferencesForm(EditorForm):
    id_prefix = "preferences"

    language = forms.ChoiceField(label=_("Language"), choices=CUSTOMER_LANGUAGES, required=False)
    channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=CONTACT_CHANNELS, required=False
    )
    contact_hours = LineField(
        label=_("Contact hours"), max_length=100, help_text=_("For example: weekdays 18:00–21:00")
    )
    sizes = ListField(label=_("Sizes"), max_length=500, help_text=_("Separate with commas."))
    styles = ListField(label=_("Styles"), max_length=500, help_text=_("Separate with commas."))
    favourite_products = ListField(
        label=_("Favourite products"), max_length=1000, help_text=_("Separate with commas.")
    )
    notes = LineField(
        label=_("Other preferences"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tags = ListField(
        label=_("Tags"),
        max_length=1000,
        item_length=50,
        items=50,
        help_text=_("Separate tags with commas."),
    )

    PREFERENCE_NAMES = (
        "channel",
        "contact_hours",
        "sizes",
        "styles",
        "favourite_products",
        "notes",
    )

    def __init__(self, *args: Any, current: dict[str, Any] | None = None, **kwargs: Any) -> None:
        current = current or {}
        super().__init__(*args, **kwargs)
        field: Any = self.fields["language"]
        field.choices = _with_current(CUSTOMER_LANGUAGES, current.get("language", ""))
        field = self.fields["channel"]
        field.choices = _with_current(CONTACT_CHANNELS, str(current.get("channel", "")))

    def preferences(self) -> dict[str, Any]:
        """The preferences as stored: only what was given."""
        return {n: self.cleaned_data[n] for n in self.PREFERENCE_NAMES if self.cleaned_data[n]}


class ConsentForm(EditorForm):
    id_prefix = "consent"

    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentEvent.Purpose.choices)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=CONSENT_DECISIONS, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(label=_("How the customer told us"), choices=CONSENT_SOURCES)
    evidence = LineField(
        label=_("Evidence (optional)"),
        max_length=300,
        help_text=_("For example: the call reference or the form number."),
    )


class MomentForm(EditorForm):
    id_prefix = "moment"

    kind = forms.ChoiceField(label=_("Kind"), choices=Moment.Kind.choices)
    label = LineField(label=_("What it is"), max_length=100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    day = forms.IntegerField(label=_("Day"), min_value=1, max_value=31)
    year = forms.IntegerField(
        label=_("Year (optional)"), min_value=1900, max_value=2100, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, month, day, year = (data.get(n) for n in ("kind", "month", "day", "year"))
        if kind == Moment.Kind.CUSTOM and not data.get("label") and "label" not in self.errors:
            self.add_error("label", _("Say what the date is."))
        if month is None or day is None:
            return data
        try:
            datetime.date(year or 2000, month, day)  # 2000 is a leap year: 29 February is fine
        except ValueError:
            self.add_error("day", _("That day does not exist in that month."))
        if kind == Moment.Kind.BIRTHDAY and year and year > datetime.date.today().year:
            self.add_error("year", _("That year is in the future."))
        return data


class AddressForm(EditorForm):
    id_prefix = "address"

    label = LineField(label=_("Label"), max_length=50, help_text=_("For example: home, work"))
    text = LineField(
        label=_("Address"),
        max_length=300,
        required=True,
        help_text=_("Province, district, street and building, e.g. 朝阳区建国路88号3号楼"),
    )
    city = LineField(label=_("City"), max_length=100)
    postcode = LineField(
        label=_("Postcode"),
        max_length=20,
        validators=[RegexValidator(r"^[A-Za-z0-9 -]*$", _("Use letters, digits and spaces."))],
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="CN",
        validators=[
            RegexValidator(r"^[A-Za-z]{2}$", _("Give the two-letter country code, e.g. CN."))
        ],
    )

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()


class RelationForm(EditorForm):
    id_prefix = "relation"

    kind = forms.ChoiceField(label=_("Relation"), choices=RELATION_CHOICES)
    other = forms.IntegerField(
        label=_("Other customer"),
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the other customer from the search results."),
            "invalid": _("Choose the other customer from the search results."),
        },
    )

    def relation(self) -> tuple[str, bool]:
        """(Relation.kind, whether the other customer owns the relation)."""
        return RELATION_KINDS[self.cleaned_data["kind"]]


class IdentityForm(EditorForm):
    id_prefix = "identity"

    kind = forms.ChoiceField(label=_("Kind"), choices=Identity.Kind.choices)
    value = LineField(label=_("Value"), max_length=254, required=True)
    provider = LineField(
        label=_("Where (for a handle)"),
        max_length=32,
        help_text=_("For example: wechat, weibo, shop"),
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]*$", _("Use letters, digits and . _ - only."))],
    )
    label = LineField(label=_("Label"), max_length=50, help_text=_("For example: mobile, work"))

    def clean_provider(self) -> str:
        return str(self.cleaned_data["provider"]).lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, value, provider = data.get("kind"), data.get("value"), data.get("provider", "")
        if kind == Identity.Kind.HANDLE and not provider and "provider" not in self.errors:
            self.add_error("provider", _("Say where the handle is, e.g. wechat."))
        elif kind and kind != Identity.Kind.HANDLE and provider:
            self.add_error("provider", _("Only a handle has a provider."))
        if kind and value:
            try:
                data["value"] = identities.normalise(kind, value)
            except ValidationError as error:
                self.add_error("value", error.messages)
        return data
