"""Sign in and out. Throttled by django-axes; failures and successes go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from heartline.core.access import PUBLIC


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    required_permission = PUBLIC


class LogoutView(auth_views.LogoutView):
    required_permission = PUBLIC  # POST only; signing out is harmless for anyone


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
