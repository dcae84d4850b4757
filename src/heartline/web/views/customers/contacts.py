"""Inline editors of the customer page: identifiers, addresses and relations to others.

Same shape as ``profile``: GET of a section's URL opens its editor, POST writes through one
service. A taken identifier is shown as a message linking the customer it belongs to; the last
identifier cannot be removed (one is required).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heartline.core.access import requires
from heartline.customers import details, services
from heartline.customers.models import Address, Customer, Relation
from heartline.customers.selectors import customer_for_user, customer_search
from heartline.web.forms_customers import CustomerSearchForm
from heartline.web.forms_profile import AddressForm, IdentityForm, RelationForm
from heartline.web.views.customers.sections import (
    attempt,
    failed,
    opened,
    succeeded,
    visible,
)

GET_OR_POST = ["GET", "POST"]
CANDIDATES_SHOWN = 10
EDIT_IDS = "address_edit_%s"  # the add form is open beside it


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def identity_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    if request.method == "GET":
        return opened(request, customer_id, "identities")
    customer = visible(request, customer_id)
    form = IdentityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        item = services.IdentityInput(data["kind"], data["value"], data["provider"], data["label"])
        if attempt(
            request,
            form,
            lambda: services.identity_add(actor=request.user, customer=customer, item=item),
        ):
            return succeeded(request, customer_id, "identities", _("Identifier added."))
    return failed(request, customer_id, "identities", identity_form=form)


@requires("customers.edit")
@require_POST
def identity_remove(request: HttpRequest, customer_id: int, identity_id: int) -> HttpResponse:
    customer = visible(request, customer_id)
    identity = customer.identities.filter(pk=identity_id).first()
    if identity is None:
        raise Http404
    try:
        services.identity_remove(actor=request.user, identity=identity)
    except ValidationError:  # the last one: a customer keeps at least one identifier
        message = _(
            "This is the customer's only identifier, and one is required. "
            "Add another before removing this one."
        )
        return failed(request, customer_id, "identities", error=message)
    return succeeded(request, customer_id, "identities", _("Identifier removed."))


def _address(customer: Customer, address_id: int) -> Address:
    address = customer.addresses.filter(pk=address_id).first()
    if address is None:
        raise Http404
    return address


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def address_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    if request.method == "GET":
        return opened(request, customer_id, "addresses")
    customer = visible(request, customer_id)
    form = AddressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if attempt(
            request,
            form,
            lambda: services.address_add(actor=request.user, customer=customer, **data),
        ):
            return succeeded(request, customer_id, "addresses", _("Address added."))
    return failed(request, customer_id, "addresses", address_form=form)


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def address_edit(request: HttpRequest, customer_id: int, address_id: int) -> HttpResponse:
    """GET: the section with this address's form open; POST: change it."""
    customer = visible(request, customer_id)
    address = _address(customer, address_id)
    if request.method == "GET":
        initial = {n: getattr(address, n) for n in details.ADDRESS_FIELDS}
        form = AddressForm(initial=initial, auto_id=EDIT_IDS)
        return opened(request, customer_id, "addresses", address_edit=(address.pk, form))
    form = AddressForm(request.POST, auto_id=EDIT_IDS)
    if form.is_valid():
        data = form.cleaned_data
        if attempt(
            request,
            form,
            lambda: details.address_update(
                actor=request.user, customer=customer, address_id=address.pk, **data
            ),
        ):
            return succeeded(request, customer_id, "addresses", _("Address saved."))
    return failed(request, customer_id, "addresses", address_edit=(address.pk, form))


@requires("customers.edit")
@require_POST
def address_remove(request: HttpRequest, customer_id: int, address_id: int) -> HttpResponse:
    customer = visible(request, customer_id)
    try:
        details.address_remove(actor=request.user, customer=customer, address_id=address_id)
    except Address.DoesNotExist as exc:
        raise Http404 from exc
    return succeeded(request, customer_id, "addresses", _("Address removed."))


def _candidates(request: HttpRequest, customer_id: int) -> tuple[str, list[dict[str, object]]]:
    """Other customers matching ``q``, through the customers search (ranked, audited)."""
    search = CustomerSearchForm(request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if not query:
        return query, []
    hits = customer_search(request.user, query, limit=CANDIDATES_SHOWN + 1)
    others = [h for h in hits if h.customer_id != customer_id][:CANDIDATES_SHOWN]
    return query, [
        {
            "id": h.customer_id,
            "name": h.display_name,
            "pinyin": h.name_pinyin,
            "latin": h.name_latin,
        }
        for h in others
    ]


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def relation_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET (with ``q``): the editor with the search results to choose from; POST: relate."""
    if request.method == "GET":
        query, candidates = _candidates(request, customer_id)
        return opened(request, customer_id, "relations", query=query, candidates=candidates)
    customer = visible(request, customer_id)
    form = RelationForm(request.POST)
    if form.is_valid():
        kind, reverse = form.relation()
        try:
            other = customer_for_user(request.user, form.cleaned_data["other"])
        except Customer.DoesNotExist:
            form.add_error("other", _("There is no such customer (or it was merged)."))
        else:
            owner, target = (other, customer) if reverse else (customer, other)
            if attempt(
                request,
                form,
                lambda: services.relation_add(
                    actor=request.user, customer=owner, kind=kind, other=target
                ),
            ):
                return succeeded(request, customer_id, "relations", _("Relation added."))
    return failed(request, customer_id, "relations", relation_form=form)


@requires("customers.edit")
@require_GET
def relation_candidates(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The htmx picker under the relation search box: customers to choose from."""
    visible(request, customer_id)
    query, candidates = _candidates(request, customer_id)
    context = {"query": query, "candidates": candidates}
    return render(request, "web/customers/sections/_relation_candidates.html", context)


@requires("customers.edit")
@require_POST
def relation_remove(request: HttpRequest, customer_id: int, relation_id: int) -> HttpResponse:
    customer = visible(request, customer_id)
    try:
        details.relation_remove(actor=request.user, customer=customer, relation_id=relation_id)
    except Relation.DoesNotExist as exc:
        raise Http404 from exc
    return succeeded(request, customer_id, "relations", _("Relation removed."))
