"""Every page declares who may open it. The permission matrix test reads these declarations.

* ``@requires("audit.view")`` — signed-in staff whose role grants the permission; others get
  403, anonymous visitors are sent to the sign-in page.
* ``@public`` — anyone (sign-in page, health checks, public forms). Use rarely.

A route whose view carries neither fails ``tests/test_permission_matrix.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from heartline.core.permissions import PERMISSIONS

View = TypeVar("View", bound=Callable[..., Any])
PUBLIC = "public"


def requires(permission: str) -> Callable[[View], View]:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied(permission)
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    view.required_permission = PUBLIC  # type: ignore[attr-defined]
    return view


def declared_permission(view: Any) -> str | None:
    """The permission a resolved view declared (looks through ``as_view()`` wrappers)."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        value = getattr(candidate, "required_permission", None)
        if value:
            return str(value)
    return None
