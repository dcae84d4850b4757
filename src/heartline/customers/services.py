"""Every write to the customer memory: one function per use case, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers import identities, names
from heartline.customers.events import ConsentChanged, CustomerChanged, CustomerCreated
from heartline.customers.models import (
    Address,
    ConsentEvent,
    Customer,
    DuplicatePair,
    Identity,
    Moment,
    Note,
    Relation,
)

PROFILE_FIELDS = (
    "kind",
    "name_cjk",
    "name_pinyin",
    "name_latin",
    "language",
    "tags",
    "preferences",
)
PREFERENCE_KEYS = frozenset(
    {"channel", "contact_hours", "sizes", "styles", "favourite_products", "notes"}
)


@dataclass(frozen=True)
class IdentityInput:
    kind: str
    value: str
    provider: str = ""
    label: str = ""


class IdentityTaken(Conflict):
    """An identifier already belongs to another customer (the API answers 409)."""

    def __init__(self, identity: Identity) -> None:
        self.existing_customer_id = identity.customer_id
        self.identity = identity
        super().__init__(
            _("%(kind)s %(value)s already belongs to customer #%(id)s.")
            % {
                "kind": identity.get_kind_display(),
                "value": identity.value,
                "id": identity.customer_id,
            },
            code="identity_taken",
            details={
                "existing_customer_id": identity.customer_id,
                "kind": identity.kind,
                "value": identity.value,
            },
        )


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def _normalised(items: Iterable[IdentityInput]) -> list[IdentityInput]:
    seen: set[tuple[str, str, str]] = set()
    result: list[IdentityInput] = []
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        provider = item.provider.strip().lower()[:32]
        try:
            value = identities.normalise(item.kind, item.value)
        except ValidationError as exc:
            errors[f"identities[{index}]"] = exc.messages
            continue
        key = (item.kind, provider, value)
        if key not in seen:
            seen.add(key)
            result.append(IdentityInput(item.kind, value, provider, item.label.strip()[:50]))
    if errors:
        raise ValidationError(errors)
    return result


def _check_free(items: list[IdentityInput], *, allowed_customer: int | None = None) -> None:
    for item in items:
        taken_qs = Identity.objects.filter(kind=item.kind, provider=item.provider, value=item.value)
        if allowed_customer is not None:
            taken_qs = taken_qs.exclude(customer_id=allowed_customer)
        taken = taken_qs.first()
        if taken is not None:
            raise IdentityTaken(taken)


def _clean_profile(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    data = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValidationError({"tags": [_("Tags are a list of words.")]})
        data["tags"] = sorted({t.strip()[:50] for t in tags if t.strip()})[:50]
    if "preferences" in data:
        prefs = data["preferences"]
        if not isinstance(prefs, dict) or set(prefs) - PREFERENCE_KEYS:
            raise ValidationError(
                {
                    "preferences": [
                        _("Preferences may hold: %s") % ", ".join(sorted(PREFERENCE_KEYS))
                    ]
                }
            )
    return data


def _apply_names(customer: Customer) -> None:
    if customer.name_cjk and not customer.name_pinyin:
        customer.name_pinyin = names.pinyin_of(customer.name_cjk)
    for key, value in names.search_keys(
        name_cjk=customer.name_cjk, name_pinyin=customer.name_pinyin, name_latin=customer.name_latin
    ).items():
        setattr(customer, key, value)


@transaction.atomic
def customer_create(
    *,
    actor: Any,
    identities_in: Iterable[IdentityInput],
    source: str = "staff",
    **profile: Any,
) -> Customer:
    """Create a customer from at least one identifier; every other field is optional.

    Raises :class:`IdentityTaken` when an identifier already belongs to someone.
    """
    _require(actor, "customers.edit")
    items = _normalised(identities_in)
    if not items:
        raise ValidationError(
            {
                "identities": [
                    _(
                        "Give one way to recognise the customer: a phone number, an "
                        "e-mail address, a member number or a handle."
                    )
                ]
            }
        )
    _check_free(items)
    customer = Customer(**_clean_profile(profile))
    _apply_names(customer)
    customer.full_clean(exclude=["owner", "merged_into"])
    customer.save()
    try:
        with transaction.atomic():
            Identity.objects.bulk_create(
                [
                    Identity(
                        customer=customer,
                        kind=i.kind,
                        provider=i.provider,
                        value=i.value,
                        label=i.label,
                    )
                    for i in items
                ]
            )
    except IntegrityError:  # a concurrent request took it between the check and the insert
        _check_free(items, allowed_customer=customer.pk)
        raise
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=customer,
        changes={
            **audit.diff({}, {k: getattr(customer, k) for k in PROFILE_FIELDS}),
            "identities": [None, [f"{i.kind}:{i.value}" for i in items]],
            "source": [None, source],
        },
    )
    publish(CustomerCreated(customer_id=customer.pk))
    return customer


@transaction.atomic
def customer_update(*, actor: Any, customer: Customer, **fields: Any) -> Customer:
    _require(actor, "customers.edit")
    data = _clean_profile(fields)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = {k: getattr(customer, k) for k in PROFILE_FIELDS}
    for name, value in data.items():
        setattr(customer, name, value)
    if "name_cjk" in data and "name_pinyin" not in data:
        customer.name_pinyin = ""
    _apply_names(customer)
    customer.full_clean(exclude=["owner", "merged_into"])
    changes = audit.diff(before, {k: getattr(customer, k) for k in PROFILE_FIELDS})
    if not changes:
        return customer
    customer.save()
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=customer, changes=changes)
    publish(CustomerChanged(customer_id=customer.pk, fields=sorted(changes)))
    return customer


@transaction.atomic
def identity_add(*, actor: Any, customer: Customer, item: IdentityInput) -> Identity:
    _require(actor, "customers.edit")
    (clean,) = _normalised([item])
    _check_free([clean], allowed_customer=customer.pk)
    identity, created = Identity.objects.get_or_create(
        customer=customer,
        kind=clean.kind,
        provider=clean.provider,
        value=clean.value,
        defaults={"label": clean.label},
    )
    if created:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=customer,
            changes={"identities": [None, f"+{clean.kind}:{clean.value}"]},
        )
        publish(CustomerChanged(customer_id=customer.pk, fields=["identities"]))
    return identity


@transaction.atomic
def identity_remove(*, actor: Any, identity: Identity) -> None:
    """Remove an identifier; the last one stays, because one is required."""
    _require(actor, "customers.edit")
    customer = Customer.objects.select_for_update().get(pk=identity.customer_id)
    if customer.identities.count() <= 1:
        raise ValidationError(_("A customer keeps at least one identifier."), code="last_identity")
    identity.delete()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"identities": [f"{identity.kind}:{identity.value}", None]},
    )
    publish(CustomerChanged(customer_id=customer.pk, fields=["identities"]))


@transaction.atomic
def moment_set(
    *,
    actor: Any,
    customer: Customer,
    kind: str,
    month: int,
    day: int,
    year: int | None = None,
    label: str = "",
) -> Moment:
    _require(actor, "customers.edit")
    moment = Moment(customer=customer, kind=kind, month=month, day=day, year=year, label=label)
    moment.full_clean()
    import datetime

    try:
        datetime.date(year or 2000, month, day)  # 2000 is a leap year: 29 Feb is allowed
    except ValueError as exc:
        raise ValidationError({"day": [_("That day does not exist in that month.")]}) from exc
    if kind == Moment.Kind.BIRTHDAY:
        Moment.objects.filter(customer=customer, kind=kind).delete()
    moment.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"moments": [None, f"{kind} {year or '----'}-{month:02d}-{day:02d}"]},
    )
    publish(CustomerChanged(customer_id=customer.pk, fields=["moments"]))
    return moment


@transaction.atomic
def note_add(*, actor: Any, customer: Customer, text: str, pinned: bool = False) -> Note:
    _require(actor, "customers.edit")
    text = text.strip()
    if not text or len(text) > 4000:
        raise ValidationError({"text": [_("Write a note of 1 to 4,000 characters.")]})
    note = Note.objects.create(customer=customer, author=actor, text=text, pinned=pinned)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=note,
        changes={"customer": [None, customer.pk], "pinned": [None, pinned]},
    )
    publish(CustomerChanged(customer_id=customer.pk, fields=["notes"]))
    return note


@transaction.atomic
def consent_record(
    *, actor: Any, customer: Customer, purpose: str, granted: bool, source: str, evidence: str = ""
) -> ConsentEvent:
    """Append one grant or withdrawal; the current state is the latest row per purpose."""
    _require(actor, "customers.edit")
    if purpose not in ConsentEvent.Purpose.values:
        raise ValidationError({"purpose": [_("Unknown purpose %(p)s.") % {"p": purpose}]})
    event = ConsentEvent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        source=source[:32],
        evidence=evidence[:300],
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={f"consent.{purpose}": [None, granted], "source": [None, source]},
    )
    publish(ConsentChanged(customer_id=customer.pk, purpose=purpose, granted=granted))
    return event


@transaction.atomic
def duplicate_pair_dismiss(*, actor: Any, pair: DuplicatePair) -> DuplicatePair:
    """ "Not the same person": the scan keeps the pair but stops proposing it."""
    _require(actor, "customers.merge")
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.dismissed_at is None:
        pair.dismissed_at, pair.dismissed_by = timezone.now(), actor
        pair.save(update_fields=["dismissed_at", "dismissed_by"])
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=pair,
            changes={"dismissed": [False, True]},
        )
    return pair


@transaction.atomic
def relation_add(*, actor: Any, customer: Customer, kind: str, other: Customer) -> Relation:
    """Relate two customers (household member, works for, referred by); once per kind."""
    _require(actor, "customers.edit")
    if kind not in Relation.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of relation %(k)s.") % {"k": kind}]})
    if other.pk == customer.pk:
        raise ValidationError({"other": [_("A customer cannot be related to itself.")]})
    relation, created = Relation.objects.get_or_create(customer=customer, kind=kind, other=other)
    if created:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=customer,
            changes={"relations": [None, f"{kind}:{other.pk}"]},
        )
        publish(CustomerChanged(customer_id=customer.pk, fields=["relations"]))
    return relation


@transaction.atomic
def address_add(
    *,
    actor: Any,
    customer: Customer,
    text: str,
    city: str = "",
    postcode: str = "",
    country: str = "CN",
    label: str = "",
) -> Address:
    _require(actor, "customers.edit")
    address = Address(
        customer=customer,
        text=text.strip(),
        city=city.strip(),
        postcode=postcode.strip(),
        country=country.strip().upper(),
        label=label.strip(),
    )
    address.full_clean()
    address.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"addresses": [None, address.text]},
    )
    publish(CustomerChanged(customer_id=customer.pk, fields=["addresses"]))
    return address
