"""Sign in and out. Throttled by django-axes; every success, failure and sign-out is audited.

With a confirmed TOTP device the password only opens a short pending step: the session holds
the user's id (not a login) until ``login_verify`` accepts a code; then the user is logged in
and the session is marked OTP-verified (``django_otp.login``).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from heartline.accounts import twofactor
from heartline.accounts.models import User
from heartline.core.access import PUBLIC, public
from heartline.core.models import AuditEntry
from heartline.web.forms import TokenForm

PENDING_KEY = "heartline_2fa_pending"
TWO_FACTOR_STATE_KEY = "heartline_2fa"  # "none" when the signed-in user has no device
PENDING_SECONDS = 300
MAX_CODE_ATTEMPTS = 5


def complete_signin(request: HttpRequest, user: User, redirect_to: str) -> HttpResponse:
    """After ``auth_login``: audit it, remember the 2FA state, apply the user's language."""
    twofactor.signin_record(user=user, action=AuditEntry.Action.LOGIN)
    request.session[TWO_FACTOR_STATE_KEY] = (
        "verified" if getattr(user, "otp_device", None) is not None else "none"
    )
    response = HttpResponseRedirect(redirect_to)
    if user.language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    required_permission = PUBLIC

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        device = twofactor.totp_device_confirmed(user)
        if device is not None:
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "user_id": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
                "attempts": 0,
            }
            return redirect("web:login_verify")
        auth_login(self.request, user)
        return complete_signin(self.request, user, self.get_success_url())

    def form_invalid(self, form: Any) -> HttpResponse:
        username = str(form.data.get("username", ""))
        if username:
            locked = bool(getattr(self.request, "axes_locked_out", False))
            twofactor.signin_record(
                user=None,
                action=AuditEntry.Action.LOGIN_FAILED,
                username=username,
                reason="locked out" if locked else "wrong password",
            )
        return super().form_invalid(form)


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


@public
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the authenticator app."""
    pending = _pending(request)
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first() if pending else None
    device = twofactor.totp_device_confirmed(user) if user is not None else None
    if pending is None or user is None or device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("web:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.totp_verify(device=device, token=form.cleaned_data["token"]):
            request.session.pop(PENDING_KEY, None)
            auth_login(request, user, backend=pending["backend"])
            django_otp.login(request, device)
            return complete_signin(request, user, pending["next"])
        twofactor.signin_record(
            user=user, action=AuditEntry.Action.LOGIN_FAILED, reason="wrong code"
        )
        pending["attempts"] = int(pending.get("attempts", 0)) + 1
        if pending["attempts"] >= MAX_CODE_ATTEMPTS:
            request.session.pop(PENDING_KEY, None)
            return redirect("web:login")
        request.session[PENDING_KEY] = pending
        form.add_error("token", _("That code is not right. Check the time on your device."))
    return render(request, "web/login_verify.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    required_permission = PUBLIC  # POST only; signing out is harmless for anyone

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            twofactor.signin_record(user=request.user, action=AuditEntry.Action.LOGOUT)
        return super().post(request, *args, **kwargs)


@public
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site signs in through the same (throttled, two-factor, audited) page."""
    target = request.GET.get("next", "")
    url = reverse("web:login")
    return HttpResponseRedirect(f"{url}?{urlencode({'next': target})}" if target else url)


def lockout(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown instead of the login form after too many failed attempts (HTTP 429)."""
    return render(
        request,
        "web/login.html",
        {
            "lockout_message": _(
                "Too many failed sign-in attempts. Wait a few minutes and try again."
            )
        },
        status=429,
    )
