"""A staff member's own API tokens: create (secret shown once), list, revoke."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.accounts import services
from heartline.accounts.models import ApiToken, User
from heartline.accounts.selectors import api_token_of_user, api_tokens_of_user
from heartline.core.access import requires
from heartline.web.forms import ApiTokenCreateForm
from heartline.web.views.staff import attach_errors


@requires("apitokens.manage_own")
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenCreateForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            owner = cast(User, request.user)  # @requires: signed in
            _token, secret = services.api_token_create(
                actor=owner, user=owner, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            form = ApiTokenCreateForm()
    context = {"form": form, "secret": secret, "tokens": api_tokens_of_user(request.user)}
    return render(request, "web/tokens.html", context, status=400 if form.errors else 200)


@requires("apitokens.manage_own")
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = api_token_of_user(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("web:tokens")
