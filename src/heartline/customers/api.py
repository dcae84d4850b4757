"""API of the customer memory: create, read, change, look up, search, duplicates, merge."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from heartline.core.api import CursorParams, Id, InSchema, PlainText, errors, paginate, permission
from heartline.customers import services
from heartline.customers.duplicates import duplicate_candidates
from heartline.customers.merge import customer_merge, merge_undo
from heartline.customers.models import Customer, DuplicatePair, Identity, Merge
from heartline.customers.selectors import (
    consent_state,
    customer_for_user,
    customer_lookup,
    customer_profile,
    customer_search,
    duplicate_pairs_for_user,
    merge_for_user,
)
from heartline.customers.services import IdentityInput

customers_router = Router(tags=["customers"])
duplicates_router = Router(tags=["customers"])
merges_router = Router(tags=["customers"])

Short = Annotated[PlainText, Field(max_length=200)]
IdentityKind = Literal["phone", "email", "member_no", "handle"]


class IdentityIn(InSchema):
    kind: IdentityKind
    value: Annotated[PlainText, Field(min_length=1, max_length=254)]
    provider: Annotated[PlainText, Field(max_length=32)] = ""
    label: Annotated[PlainText, Field(max_length=50)] = ""


class IdentityOut(Schema):
    id: int
    kind: str
    provider: str
    value: str
    label: str
    verified: bool


class BirthdayIn(InSchema):
    month: int = Field(..., ge=1, le=12)
    day: int = Field(..., ge=1, le=31)
    year: int | None = Field(None, ge=1900, le=2100)


class ProfileIn(InSchema):
    kind: Literal["person", "organisation"] | None = None
    name_cjk: Annotated[PlainText, Field(max_length=100)] | None = None
    name_pinyin: Short | None = None
    name_latin: Short | None = None
    language: Annotated[PlainText, Field(max_length=10)] | None = None
    tags: (
        Annotated[list[Annotated[PlainText, Field(max_length=50)]], Field(max_length=50)] | None
    ) = None


class CustomerIn(ProfileIn):
    """Only one way to recognise the customer is required: an identity, a phone, an e-mail…"""

    identities: Annotated[list[IdentityIn], Field(max_length=20)] = []
    phone: Annotated[PlainText, Field(max_length=40)] | None = None
    email: Annotated[PlainText, Field(max_length=254)] | None = None
    member_no: Annotated[PlainText, Field(max_length=64)] | None = None
    birthday: BirthdayIn | None = None


class CustomerOut(Schema):
    id: int
    kind: str
    display_name: str
    name_cjk: str
    name_pinyin: str
    name_latin: str
    language: str
    tags: list[str]
    identities: list[IdentityOut]
    consent: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SearchHitOut(Schema):
    customer_id: int
    display_name: str
    name_pinyin: str
    name_latin: str
    matched: str
    rank: int


class SearchOut(Schema):
    items: list[SearchHitOut]


class CandidateOut(Schema):
    customer_id: int
    display_name: str
    score: int
    reasons: list[str]


class CandidatesOut(Schema):
    items: list[CandidateOut]


class CustomerCreatedOut(CustomerOut):
    possible_duplicates: list[CandidateOut] = Field(
        ..., description="existing customers with a similar name: check before going on"
    )


class MergeIn(InSchema):
    duplicate_id: Id
    choose: dict[
        Literal["kind", "name_cjk", "name_pinyin", "name_latin", "language"],
        Literal["survivor", "duplicate"],
    ] = {}


class MergeOut(Schema):
    id: int
    survivor_id: int
    duplicate_id: int
    merged_at: datetime.datetime
    undone_at: datetime.datetime | None
    moved: dict[str, int]


def customer_out(customer: Customer) -> dict[str, Any]:
    idents = list(Identity.objects.filter(customer=customer).order_by("kind", "id"))
    return {
        "id": customer.pk,
        "kind": customer.kind,
        "display_name": customer.display_name,
        "name_cjk": customer.name_cjk,
        "name_pinyin": customer.name_pinyin,
        "name_latin": customer.name_latin,
        "language": customer.language,
        "tags": customer.tags,
        "identities": idents,
        "consent": consent_state(customer.pk),
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def merge_out(merge: Merge) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "survivor_id": merge.survivor_id,
        "duplicate_id": merge.duplicate_id,
        "merged_at": merge.merged_at,
        "undone_at": merge.undone_at,
        "moved": {label: len(ids) for label, ids in merge.record.get("moved", {}).items()},
    }


def _identities_of(payload: CustomerIn) -> list[IdentityInput]:
    items = [IdentityInput(i.kind, i.value, i.provider, i.label) for i in payload.identities]
    for kind in ("phone", "email", "member_no"):
        value = getattr(payload, kind)
        if value:
            items.append(IdentityInput(kind, value))
    return items


def _profile_of(payload: ProfileIn) -> dict[str, Any]:
    names = ("kind", "name_cjk", "name_pinyin", "name_latin", "language", "tags")
    return {n: getattr(payload, n) for n in names if getattr(payload, n) is not None}


@customers_router.post(
    "", response={201: CustomerCreatedOut, **errors(409)}, summary="Create a customer"
)
@permission("customers.edit")
def create(request: HttpRequest, payload: CustomerIn) -> Status:
    with transaction.atomic():
        customer = services.customer_create(
            actor=request.user,
            identities_in=_identities_of(payload),
            source="api",
            **_profile_of(payload),
        )
        if payload.birthday:
            services.moment_set(
                actor=request.user,
                customer=customer,
                kind="birthday",
                month=payload.birthday.month,
                day=payload.birthday.day,
                year=payload.birthday.year,
            )
    similar = duplicate_candidates(request.user, customer)
    return Status(201, {**customer_out(customer), "possible_duplicates": similar})


@customers_router.get(
    "/lookup",
    response={200: CustomerOut, **errors(404)},
    summary="Find a customer by an identifier",
)
@permission("customers.view")
def lookup(
    request: HttpRequest,
    phone: Annotated[PlainText, Field(max_length=40)] | None = None,
    email: Annotated[PlainText, Field(max_length=254)] | None = None,
    member_no: Annotated[PlainText, Field(max_length=64)] | None = None,
) -> dict[str, Any]:
    given = [(k, v) for k, v in (("phone", phone), ("email", email), ("member_no", member_no)) if v]
    if len(given) != 1:
        raise ValidationError(_("Give exactly one of phone, email or member_no."))
    kind, raw = given[0]
    customer = customer_lookup(request.user, kind=kind, raw=raw)
    if customer is None:
        raise Customer.DoesNotExist
    return customer_out(customer_profile(request.user, customer.pk))


@customers_router.get("/search", response={200: SearchOut, **errors()}, summary="Search customers")
@permission("customers.view")
def search(
    request: HttpRequest,
    q: Annotated[PlainText, Field(min_length=1, max_length=100)],
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    return {"items": customer_search(request.user, q, limit=limit)}


@customers_router.get(
    "/{customer_id}", response={200: CustomerOut, **errors(404)}, summary="A customer"
)
@permission("customers.view")
def read(request: HttpRequest, customer_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return customer_out(customer_profile(request.user, customer_id))


@customers_router.patch(
    "/{customer_id}",
    response={200: CustomerOut, **errors(404)},
    summary="Change a customer's profile",
)
@permission("customers.edit")
def update(
    request: HttpRequest, customer_id: Annotated[Id, Path()], payload: ProfileIn
) -> dict[str, Any]:
    customer = customer_for_user(request.user, customer_id)
    customer = services.customer_update(
        actor=request.user, customer=customer, **_profile_of(payload)
    )
    return customer_out(customer)


@customers_router.get(
    "/{customer_id}/duplicates",
    response={200: CandidatesOut, **errors(404)},
    summary="Possible duplicates",
)
@permission("customers.view")
def duplicates(request: HttpRequest, customer_id: Annotated[Id, Path()]) -> dict[str, Any]:
    customer = customer_for_user(request.user, customer_id)
    return {"items": duplicate_candidates(request.user, customer)}


@customers_router.post(
    "/{customer_id}/merge",
    response={201: MergeOut, **errors(404)},
    summary="Merge a duplicate into this customer",
)
@permission("customers.merge")
def merge(request: HttpRequest, customer_id: Annotated[Id, Path()], payload: MergeIn) -> Status:
    survivor = customer_for_user(request.user, customer_id)
    duplicate = customer_for_user(request.user, payload.duplicate_id)
    done = customer_merge(
        actor=request.user,
        survivor=survivor,
        duplicate=duplicate,
        choose={str(k): str(v) for k, v in payload.choose.items()},
    )
    return Status(201, merge_out(done))


@merges_router.post(
    "/{merge_id}/undo", response={200: MergeOut, **errors(404)}, summary="Undo a merge"
)
@permission("customers.merge")
def undo(request: HttpRequest, merge_id: Annotated[Id, Path()]) -> dict[str, Any]:
    merge_row = merge_for_user(request.user, merge_id)
    return merge_out(merge_undo(actor=request.user, merge=merge_row))


class PairOut(Schema):
    id: int
    low_id: int
    high_id: int
    score: int
    reasons: list[str]
    found_at: datetime.datetime


class PairPage(Schema):
    items: list[PairOut]
    next_cursor: str | None


@duplicates_router.get(
    "", response={200: PairPage, **errors()}, summary="Duplicate pairs found by the scan"
)
@permission("customers.view")
def pair_list(request: HttpRequest, page: Query[CursorParams]) -> dict[str, Any]:
    items, next_cursor = paginate(request, duplicate_pairs_for_user(request.user), page)
    return {"items": items, "next_cursor": next_cursor}


@duplicates_router.post(
    "/{pair_id}/dismiss",
    response={200: PairOut, **errors(404)},
    summary="Not the same person: stop proposing this pair",
)
@permission("customers.merge")
def pair_dismiss(request: HttpRequest, pair_id: Annotated[Id, Path()]) -> DuplicatePair:
    pair = duplicate_pairs_for_user(request.user).get(pk=pair_id)
    return services.duplicate_pair_dismiss(actor=request.user, pair=pair)


class ConsentIn(InSchema):
    purpose: Literal[
        "service",
        "marketing_email",
        "marketing_sms",
        "marketing_phone",
        "marketing_wechat",
        "analytics",
        "profiling",
    ]
    granted: bool
    source: Annotated[PlainText, Field(min_length=1, max_length=32)]
    evidence: Annotated[PlainText, Field(max_length=300)] = ""


class RelationIn(InSchema):
    kind: Literal["household", "employer", "referred_by"]
    other_id: Id


class AddressIn(InSchema):
    text: Annotated[PlainText, Field(min_length=1, max_length=300)]
    city: Annotated[PlainText, Field(max_length=100)] = ""
    postcode: Annotated[PlainText, Field(max_length=20)] = ""
    country: Annotated[PlainText, Field(min_length=2, max_length=2)] = "CN"
    label: Annotated[PlainText, Field(max_length=50)] = ""


@customers_router.post(
    "/{customer_id}/consent",
    response={201: CustomerOut, **errors(404)},
    summary="Record a grant or withdrawal of consent for one purpose (append-only ledger)",
)
@permission("customers.edit")
def consent(request: HttpRequest, customer_id: Annotated[Id, Path()], payload: ConsentIn) -> Status:
    customer = customer_for_user(request.user, customer_id)
    services.consent_record(
        actor=request.user,
        customer=customer,
        purpose=payload.purpose,
        granted=payload.granted,
        source=payload.source,
        evidence=payload.evidence,
    )
    return Status(201, customer_out(customer))


@customers_router.post(
    "/{customer_id}/relations",
    response={201: dict[str, Any], **errors(404)},
    summary="Relate the customer to another (household member, works for, referred by)",
)
@permission("customers.edit")
def relation(
    request: HttpRequest, customer_id: Annotated[Id, Path()], payload: RelationIn
) -> Status:
    customer = customer_for_user(request.user, customer_id)
    other = customer_for_user(request.user, payload.other_id)
    row = services.relation_add(
        actor=request.user, customer=customer, kind=payload.kind, other=other
    )
    return Status(201, {"id": row.pk, "kind": row.kind, "other_id": row.other_id})


@customers_router.post(
    "/{customer_id}/addresses",
    response={201: dict[str, Any], **errors(404)},
    summary="Add an address",
)
@permission("customers.edit")
def address(request: HttpRequest, customer_id: Annotated[Id, Path()], payload: AddressIn) -> Status:
    customer = customer_for_user(request.user, customer_id)
    row = services.address_add(actor=request.user, customer=customer, **payload.model_dump())
    return Status(201, {"id": row.pk, "text": row.text, "city": row.city, "country": row.country})
