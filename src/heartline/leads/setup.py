"""Setting up lead capture: capture forms (fields, consent wording, allowed origins), scoring
rules and assignment rules. Each write checks ``leads.manage`` and is audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.models import AuditEntry
from heartline.customers.models import ConsentEvent
from heartline.leads.capture import require
from heartline.leads.models import AssignmentRule, Lead, LeadForm, ScoreRule, new_public_key
from heartline.leads.scoring import DEFAULT_RULES

FORM_FIELDS = (
    "name",
    "active",
    "fields",
    "consents",
    "allowed_origins",
    "title_en",
    "title_zh",
    "thank_you_en",
    "thank_you_zh",
    "default_owner",
    "default_team",
    "max_per_hour",
)
REACH_FIELDS = frozenset({"phone", "email", "wechat"})
MAX_ORIGINS = 20
MAX_CONSENTS = len(ConsentEvent.Purpose.values)


def normalise_origin(raw: str) -> str:
    """``https://Shop.Example.com/`` → ``https://shop.example.com``: scheme, host and a port
    other than the default, as a browser sends it in ``Origin``."""
    text = raw.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            _("“%(o)s” is not an origin like https://www.example.com.") % {"o": text[:100]}
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError(
            _("“%(o)s”: give only the scheme and the host, without a path.") % {"o": text[:100]}
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ValidationError(_("“%(o)s” has a bad port.") % {"o": text[:100]}) from exc
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.encode("idna").decode("ascii") if parts.hostname else ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _clean_fields(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError({"fields": [_("Fields are a list of names.")]})
    chosen = [f for f in LeadForm.Field.values if f in value]
    unknown = set(value) - set(LeadForm.Field.values)
    if unknown:
        raise ValidationError({"fields": [_("Unknown fields: %s") % ", ".join(sorted(unknown))]})
    if not REACH_FIELDS & set(chosen):
        raise ValidationError(
            {
                "fields": [
                    _("Ask for at least one way to reach the person: phone, e-mail or WeChat.")
                ]
            }
        )
    return chosen


def _clean_consents(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list | tuple):
        raise ValidationError({"consents": [_("Consent purposes are a list.")]})
    result: list[dict[str, str]] = []
    for item in list(value)[: MAX_CONSENTS + 1]:
        if not isinstance(item, Mapping) or item.get("purpose") not in ConsentEvent.Purpose.values:
            raise ValidationError({"consents": [_("Each consent names a known purpose.")]})
        text_en = str(item.get("text_en", "")).strip()[:300]
        text_zh = str(item.get("text_zh", "")).strip()[:300]
        if not text_en and not text_zh:
            raise ValidationError(
                {"consents": [_("Give the wording of each consent in English or Chinese.")]}
            )
        if any(r["purpose"] == item["purpose"] for r in result):
            raise ValidationError({"consents": [_("Each purpose is asked once.")]})
        result.append({"purpose": str(item["purpose"]), "text_en": text_en, "text_zh": text_zh})
    if len(result) > MAX_CONSENTS:
        raise ValidationError({"consents": [_("Too many consent purposes.")]})
    return result


def _clean_origins(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list | tuple) or len(value) > MAX_ORIGINS:
        raise ValidationError({"allowed_origins": [_("Give at most 20 origins.")]})
    try:
        origins = [normalise_origin(str(v)) for v in value if str(v).strip()]
    except ValidationError as exc:
        raise ValidationError({"allowed_origins": exc.messages}) from exc
    return sorted(set(origins))


def _clean_form(values: dict[str, Any]) -> dict[str, Any]:
    if "name" in values:
        values["name"] = str(values["name"]).strip()
        if not 1 <= len(values["name"]) <= 100:
            raise ValidationError({"name": [_("Give the form a name of 1 to 100 characters.")]})
    if "fields" in values:
        values["fields"] = _clean_fields(values["fields"])
    if "consents" in values:
        values["consents"] = _clean_consents(values["consents"])
    if "allowed_origins" in values:
        values["allowed_origins"] = _clean_origins(values["allowed_origins"])
    owner = values.get("default_owner")
    if owner is not None and not owner.has_perm("leads.manage"):
        raise ValidationError(
            {"default_owner": [_("%(who)s may not work leads.") % {"who": owner}]}
        )
    if "max_per_hour" in values and not 1 <= int(values["max_per_hour"]) <= 100_000:
        raise ValidationError({"max_per_hour": [_("Between 1 and 100,000.")]})
    return values


@transaction.atomic
def leadform_create(*, actor: Any, **fields: Any) -> LeadForm:
    require(actor, "leads.manage")
    unknown = set(fields) - set(FORM_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    values = _clean_form({"fields": ["name", "phone", "email", "message"], **fields})
    if "name" not in values:
        raise ValidationError({"name": [_("Give the form a name of 1 to 100 characters.")]})
    form = LeadForm.objects.create(**values)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=form,
        changes=audit.diff({}, audit.snapshot(form, FORM_FIELDS)),
    )
    return form


@transaction.atomic
def leadform_update(*, actor: Any, form: LeadForm, **fields: Any) -> LeadForm:
    require(actor, "leads.manage")
    unknown = set(fields) - set(FORM_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    form = LeadForm.objects.select_for_update().get(pk=form.pk)
    before = audit.snapshot(form, FORM_FIELDS)
    for name, value in _clean_form(dict(fields)).items():
        setattr(form, name, value)
    changes = audit.diff(before, audit.snapshot(form, FORM_FIELDS))
    if changes:
        form.save()
        audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=form, changes=changes)
    return form


@transaction.atomic
def leadform_new_key(*, actor: Any, form: LeadForm) -> LeadForm:
    """A new public key: snippets with the old one stop working (after a leak or abuse)."""
    require(actor, "leads.manage")
    form = LeadForm.objects.select_for_update().get(pk=form.pk)
    form.public_key = new_public_key()
    form.save(update_fields=["public_key", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=form,
        changes={"public_key": ["[old]", "[new]"]},
    )
    return form


# --- Scoring rules ----------------------------------------------------------------------------
@transaction.atomic
def score_rule_add(
    *, actor: Any, kind: str, points: int, value: str = "", position: int | None = None
) -> ScoreRule:
    require(actor, "leads.manage")
    if kind not in ScoreRule.Kind.values:
        raise ValidationError({"kind": [_("Unknown rule %(k)s.") % {"k": kind[:30]}]})
    if type(points) is not int or not -100 <= points <= 100:
        raise ValidationError({"points": [_("Points are a whole number from -100 to 100.")]})
    value = value.strip()[:300]
    needs_value = {"mentions_word", "source", "territory", "language", "consent"}
    if kind in needs_value and not value:
        raise ValidationError({"value": [_("This rule needs a value.")]})
    if kind == "source" and value not in Lead.Source.values:
        raise ValidationError({"value": [_("Unknown source %(s)s.") % {"s": value[:20]}]})
    if kind == "consent" and value not in ConsentEvent.Purpose.values:
        raise ValidationError({"value": [_("Unknown purpose %(p)s.") % {"p": value[:40]}]})
    if position is None:
        last = ScoreRule.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    rule = ScoreRule.objects.create(kind=kind, value=value, points=points, position=position)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=rule,
        changes={"kind": [None, kind], "value": [None, value], "points": [None, points]},
    )
    return rule


@transaction.atomic
def score_rule_delete(*, actor: Any, rule: ScoreRule) -> None:
    require(actor, "leads.manage")
    audit.record(actor=actor, action=AuditEntry.Action.DELETE, obj=rule, changes={})
    rule.delete()


@transaction.atomic
def score_rules_reset(*, actor: Any, rules: Iterable[tuple[str, str, int]] = DEFAULT_RULES) -> int:
    """Replace every scoring rule with ``rules`` (the defaults); existing scores are kept."""
    require(actor, "leads.manage")
    ScoreRule.objects.all().delete()
    rows = [
        ScoreRule(kind=kind, value=value, points=points, position=index + 1)
        for index, (kind, value, points) in enumerate(rules)
    ]
    ScoreRule.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="leads.scorerule",
        object_label="scoring rules",
        changes={"rules": [None, [f"{k}:{v}:{p}" for k, v, p in rules]]},
    )
    return len(rows)


# --- Assignment rules -------------------------------------------------------------------------
@transaction.atomic
def assignment_rule_add(
    *,
    actor: Any,
    name: str,
    method: str,
    user: Any = None,
    team: Any = None,
    match_territory: str = "",
    match_language: str = "",
    match_source: str = "",
    position: int | None = None,
) -> AssignmentRule:
    require(actor, "leads.manage")
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationError({"name": [_("Give the rule a name of 1 to 100 characters.")]})
    if method not in AssignmentRule.Method.values:
        raise ValidationError({"method": [_("Assign to a person or round-robin in a team.")]})
    if method == AssignmentRule.Method.USER and user is None:
        raise ValidationError({"user": [_("Choose the person who gets the leads.")]})
    if method == AssignmentRule.Method.ROUND_ROBIN and team is None:
        raise ValidationError({"team": [_("Choose the team whose members take turns.")]})
    if user is not None and not user.has_perm("leads.manage"):
        raise ValidationError({"user": [_("%(who)s may not work leads.") % {"who": user}]})
    if match_source and match_source not in Lead.Source.values:
        raise ValidationError({"match_source": [_("Unknown source %(s)s.") % {"s": match_source}]})
    if position is None:
        last = (
            AssignmentRule.objects.order_by("-position").values_list("position", flat=True).first()
        )
        position = (last or 0) + 1
    rule = AssignmentRule.objects.create(
        name=name,
        method=method,
        user=user if method == AssignmentRule.Method.USER else None,
        team=team,
        match_territory=match_territory.strip()[:64],
        match_language=match_language.strip().lower()[:10],
        match_source=match_source,
        position=position,
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=rule,
        changes=audit.diff(
            {},
            audit.snapshot(
                rule, ("name", "method", "user", "team", "match_territory", "match_language")
            ),
        ),
    )
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor: Any, rule: AssignmentRule) -> None:
    require(actor, "leads.manage")
    audit.record(actor=actor, action=AuditEntry.Action.DELETE, obj=rule, changes={})
    rule.delete()
