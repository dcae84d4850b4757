"""Shared pieces of the JSON API: errors, authentication, declared permissions, pagination.

* Every 4xx/5xx answer has one shape, :class:`ErrorOut`:
  ``{"error": {"code": "not_found", "message": "…", "details": null}}``.
* Two ways in: ``Authorization: Bearer hl_…`` (:class:`TokenAuth`) and the browser session
  (:class:`SessionAuth`, which enforces CSRF on every unsafe method, because django-ninja
  exempts its views from Django's CSRF middleware).
* Every operation declares the permission it needs with :func:`permission`; the code is
  enforced right after authentication (before the body is read) and published in the OpenAPI
  document as ``x-heartline-permission``. An operation that declares none is refused (fail
  closed) and fails ``tests/api/test_api_permissions.py``.
* Lists are paged by :func:`paginate`: a signed, opaque cursor over ``id`` descending.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema, Swagger
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf, contribute_operation_callback
from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from heartline.core.errors import Conflict
from heartline.core.permissions import PERMISSIONS

logger = logging.getLogger(__name__)

SIGNED_IN = "signed_in"  # a permission every signed-in, active staff member has
PERMISSION_KEY = "x-heartline-permission"
MAX_ID = 2**63 - 1
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DENIED = object()  # marks a request whose operation declared no permission

F = TypeVar("F", bound=Callable[..., Any])


# --- Input types -----------------------------------------------------------------------------
def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("Text must be valid Unicode.") from exc
    return value


PlainText = Annotated[str, Field(pattern=r"^[^\x00]*$"), AfterValidator(_plain_text)]
"""A string the database accepts (no NUL, no lone surrogates); bound its length with
``Annotated[PlainText, Field(max_length=...)]``."""


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _iso_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATETIME.match(value):
        raise ValueError(
            "Give a date and time in ISO 8601 with an offset, e.g. 2025-01-31T09:00:00+08:00."
        )
    return value


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _to_utc(value: datetime.datetime) -> datetime.datetime:
    """Store and compare in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python allows."""
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError as exc:
        raise ValueError("The date and time is out of range.") from exc


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(_to_utc)]
"""An ISO 8601 date-time with an offset (not a bare number of seconds, not a naive time)."""


class InSchema(Schema):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = {"extra": "forbid"}


# --- The error format ------------------------------------------------------------------------
class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any] | list[Any] | None = None


class ErrorOut(Schema):
    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Error responses for an operation's ``response=``: the common ones plus ``statuses``."""
    return {status: ErrorOut for status in sorted({400, 401, 403, 422, 500, *statuses})}


_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}


def error_response(
    status: int, message: str, *, code: str = "", details: Any = None
) -> JsonResponse:
    body = {"error": {"code": code or _CODES.get(status, "error"), "message": message}}
    body["error"]["details"] = details
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="heartline"'
    return response


def _field_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "message": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in exc.errors
    ]


def _django_validation_details(exc: DjangoValidationError) -> dict[str, Any] | list[Any]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return [str(message) for message in exc.messages]


def _handle(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    if isinstance(exc, type):  # ninja may pass a class; answer as for an instance
        exc = exc()
    if isinstance(exc, NinjaValidationError):
        return error_response(422, _("The request is not valid."), details=_field_errors(exc))
    if isinstance(exc, AuthenticationError):
        return error_response(401, _("Authentication required: send a valid API token."))
    if isinstance(exc, CsrfFailed):
        return error_response(403, _("CSRF check failed."), code="csrf_failed")
    if isinstance(exc, HttpError):
        return error_response(exc.status_code, str(exc))
    if isinstance(exc, PermissionDenied):
        return error_response(403, _("You do not have permission to do this."))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return error_response(404, _("Not found."))
    if isinstance(exc, Conflict):
        return error_response(
            409, exc.messages[0], code=exc.code or "conflict", details=exc.details
        )
    if isinstance(exc, DjangoValidationError):
        return error_response(
            400, _("The request is not valid."), details=_django_validation_details(exc)
        )
    if isinstance(exc, RequestDataTooBig):
        return error_response(400, _("The request body is too large."))
    if isinstance(exc, SuspiciousOperation):
        return error_response(400, _("The request was refused."))
    logger.exception("API operation failed", exc_info=exc)
    return error_response(500, _("Something went wrong on our side. It has been logged."))


class CsrfFailed(Exception):
    pass


# --- Authentication --------------------------------------------------------------------------
def _authorise(request: HttpRequest, user: Any) -> Any:
    """Make ``user`` the acting user and check the permission the operation declared."""
    request.user = user
    required = getattr(request, "heartline_permission", _DENIED)
    if required is _DENIED:
        raise PermissionDenied("The operation declares no permission.")
    if required != SIGNED_IN and not user.has_perm(required):
        raise PermissionDenied(required)
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hl_…`` — a personal API token; no CSRF (not sent by browsers).

    ``verify(key)`` returns the token's active user or None; it is passed in because the
    accounts app sits above core in the import layers.
    """

    def __init__(self, verify: Callable[[str], Any]) -> None:
        self.verify = verify
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = self.verify(token.strip())
        if user is None:
            return None
        return _authorise(request, user)


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. Unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed()
        return _authorise(request, user)


# --- Declared permissions --------------------------------------------------------------------
def permission(code: str) -> Callable[[F], F]:
    """Declare (and enforce) the permission of an operation. Put it below ``@router.get``."""
    if code != SIGNED_IN and code not in PERMISSIONS:
        raise KeyError(f"Unknown permission {code!r}")

    def mark_request(run: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            request.heartline_permission = code  # type: ignore[attr-defined]
            return run(request, *args, **kwargs)

        return wrapped

    def publish(operation: Any) -> None:
        operation.openapi_extra = {**(operation.openapi_extra or {}), PERMISSION_KEY: code}

    def decorate(func: F) -> F:
        if hasattr(func, "_ninja_operation"):
            raise TypeError("Put @permission(...) below the @router.<method>(...) decorator.")
        decorate_view(mark_request)(func)
        contribute_operation_callback(func, publish)
        return func

    return decorate


# --- Cursor pagination -----------------------------------------------------------------------
class CursorParams(Schema):
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the last page")
    limit: int = Field(50, ge=1, le=200, description="items per page (1 to 200)")


M = TypeVar("M", bound=Model)


def _signer(request: HttpRequest) -> signing.Signer:
    return signing.Signer(salt=f"heartline.api.cursor:{request.path}")


def sign_cursor(request: HttpRequest, value: Any) -> str:
    """An opaque, tamper-evident cursor for ``value`` (JSON-able), valid for this path only."""
    return _signer(request).sign_object(value)


def unsign_cursor(request: HttpRequest, cursor: str) -> Any:
    """The value inside a cursor made by :func:`sign_cursor`; 400 if it was tampered with."""
    try:
        return _signer(request).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise HttpError(400, _("The cursor is not valid.")) from exc


def paginate(
    request: HttpRequest, queryset: QuerySet[M], params: CursorParams
) -> tuple[list[M], str | None]:
    """One keyset page (newest first) and the cursor of the next, or None at the end."""
    queryset = queryset.order_by("-pk")
    if params.cursor:
        after = unsign_cursor(request, params.cursor)
        if not isinstance(after, int) or isinstance(after, bool):
            raise HttpError(400, _("The cursor is not valid."))
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset[: params.limit + 1])
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, sign_cursor(request, rows[-1].pk)


# --- The docs page ---------------------------------------------------------------------------
class SignedInSwagger(Swagger):
    """Swagger UI from django-ninja's bundled files (no CDN, no inline script); sign-in needed."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().render_page(request, api, **kwargs)


# --- The API object --------------------------------------------------------------------------
def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give Django-level answers of the API's URLs (404, 405) the API's error format."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, _("Not found."))
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip())
            answer = error_response(
                405, _("This method is not allowed here."), details={"allowed": allowed}
            )
            answer["Allow"] = ", ".join(allowed)
            return answer
        return response

    return wrapped


def _unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(404, _("There is no API operation at this address."))


_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]


class HeartlineAPI(NinjaAPI):
    """NinjaAPI with the Heartline error format everywhere under its URLs."""

    def set_default_exception_handlers(self) -> None:
        self.add_exception_handler(Exception, _handle)

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_errors(pattern.callback)
        patterns.append(re_path(r"^.*$", _unknown_path, name="unknown"))
        return patterns, app_name, namespace


def declared_permissions(api: NinjaAPI) -> Iterable[tuple[str, str, str | None]]:
    """(method, path, permission) of every operation of ``api`` (for tests and docs)."""
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation.get(PERMISSION_KEY)
