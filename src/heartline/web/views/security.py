"""Two-factor sign-in for one's own account: enrol (QR code), confirm, disable."""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from heartline.accounts import twofactor
from heartline.core.access import requires
from heartline.web.forms import TokenForm


def _act(request: HttpRequest, action: str, form: TokenForm) -> bool:
    """Run the POSTed action; False (with errors on the form) when it was refused."""
    user = request.user
    try:
        if action == "start":
            twofactor.totp_enrol_start(actor=user)  # type: ignore[arg-type]
            return True
        if not form.is_valid():
            return False
        token = form.cleaned_data["token"]
        if action == "confirm":
            device = twofactor.totp_enrol_confirm(actor=user, token=token)  # type: ignore[arg-type]
            django_otp.login(request, device)
            messages.success(request, _("Two-factor sign-in is on."))
            return True
        if action == "disable":
            twofactor.totp_disable(actor=user, token=token)  # type: ignore[arg-type]
            messages.success(request, _("Two-factor sign-in is off."))
            return True
    except ValidationError as error:
        form.add_error("token" if action != "start" else None, error)
        return False
    form.add_error(None, _("Unknown action."))
    return False


@requires("account.manage_own")
def two_factor(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and _act(request, request.POST.get("action", ""), form):
        return redirect("web:two_factor")
    confirmed = twofactor.totp_device_confirmed(request.user)
    pending = None if confirmed else twofactor.totp_device_pending(request.user)
    context = {
        "form": form if request.method == "POST" else TokenForm(),
        "confirmed": confirmed,
        "pending": pending,
        "qr": twofactor.totp_qr_data_uri(pending) if pending else "",
        "secret": twofactor.totp_secret_text(pending) if pending else "",
    }
    return render(request, "web/two_factor.html", context, status=400 if form.errors else 200)
