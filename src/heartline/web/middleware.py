"""A signed-in session of a user with two-factor sign-in must have passed the code step.

The login flow never logs such a user in before the code. This is the second line: a session
made some other way (an old session from before enrolment is allowed; a session created by
another login path for a user who has a device is not) is signed out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from heartline.accounts import twofactor

STATE_KEY = "heartline_2fa"


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(STATE_KEY) != "none"
            and not user.is_verified()
            and not request.path.startswith("/static/")
        ):
            if twofactor.totp_device_confirmed(user) is not None:
                logout(request)
                return redirect("web:login")
            request.session[STATE_KEY] = "none"
        return self.get_response(request)
