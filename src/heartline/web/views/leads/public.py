"""The public side of a capture form: its hosted page, its configuration for the embed
script (``static/heartline/leadform.js``), and the submission endpoint.

The submission endpoint is CSRF-exempt by design: no cookie, session or signed-in user is
read on this path, so a cross-site request has nothing to borrow. It is protected by the
checks of ``heartline.leads.publicform`` instead (Origin, signed timestamp token, honeypot,
rate limits, size). Cross-origin answers carry ``Access-Control-Allow-Origin`` only for the
form's allowed origins, and never allow credentials.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from heartline.core.access import public
from heartline.core.api import error_response
from heartline.core.observability import client_ip
from heartline.leads import publicform
from heartline.leads.contact import CONTACT
from heartline.leads.models import LeadForm

# The capture service's error keys → the public form's field names.
PUBLIC_FIELD = {"handle": "wechat", "name_cjk": "name", "name_latin": "name", CONTACT: "__all__"}


def _form(key: str) -> LeadForm | None:
    if not 8 <= len(key) <= 32:
        return None
    return LeadForm.objects.filter(public_key=key, active=True).first()


def _own(request: HttpRequest) -> set[str]:
    try:
        host = request.get_host()
    except Exception:  # a disallowed Host header: only the configured address counts
        host = ""
    return publicform.own_origins(host, request.is_secure())


def _cors(response: HttpResponse, request: HttpRequest, form: LeadForm | None) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    response["Vary"] = "Origin"
    if form is not None and publicform.origin_allowed(form, origin, _own(request)):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST"
        response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response["Access-Control-Max-Age"] = "600"
    return response


def _language(request: HttpRequest) -> str:
    raw = request.POST.get("language") or request.GET.get("lang") or translation.get_language()
    return publicform.language_of(str(raw or "en"))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"__all__": [str(m) for m in error.messages]}
    details: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        details.setdefault(PUBLIC_FIELD.get(key, key), []).extend(str(m) for m in messages)
    return details


@public
@require_GET
def form_page(request: HttpRequest, key: str) -> HttpResponse:
    """The form on Heartline's own page: a link target, and what works without JavaScript."""
    form = _form(key)
    if form is None:
        return render(request, "leads/public_missing.html", status=404)
    language = _language(request)
    with translation.override(language):
        context = _page_context(form, language, {}, {})
        return render(request, "leads/public_form.html", context)


def _page_context(
    form: LeadForm, language: str, values: Any, errors: dict[str, list[str]]
) -> dict[str, Any]:
    config = publicform.config_of(form, language, "")
    return {
        "form": form,
        "config": config,
        "fields": [
            {**field, "value": values.get(field["name"], ""), "errors": errors.get(field["name"])}
            for field in config["fields"]
        ],
        "consents": [{**c, "checked": bool(values.get(c["name"]))} for c in config["consents"]],
        "general_errors": errors.get("__all__", []),
        "lang": language,
    }


@public
@require_GET
def form_config(request: HttpRequest, key: str) -> HttpResponse:
    """What the embed script draws, with a fresh token; readable only from allowed origins."""
    form = _form(key)
    if form is None:
        return _cors(error_response(404, _("There is no such form.")), request, None)
    origin = request.headers.get("Origin", "")
    if origin and not publicform.origin_allowed(form, origin, _own(request)):
        return error_response(
            403, _("This form may not be shown on this site."), code="origin_refused"
        )
    return _cors(JsonResponse(publicform.config_of(form, _language(request), "")), request, form)


def _refused(
    request: HttpRequest,
    form: LeadForm | None,
    status: int,
    code: str,
    message: str,
    *,
    values: Any = None,
    errors: dict[str, list[str]] | None = None,
    language: str = "en",
) -> HttpResponse:
    if _wants_json(request) or form is None:
        response = error_response(status, message, code=code, details=errors)
        return _cors(response, request, form)
    with translation.override(language):
        context = _page_context(form, language, values or {}, errors or {"__all__": [message]})
        return render(request, "leads/public_form.html", context, status=status)


@public
@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def form_submit(request: HttpRequest, key: str) -> HttpResponse:
    """A visitor's submission: checked (publicform.submit), then captured as a lead."""
    form = _form(key)
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), request, form)
    if form is None:
        return _refused(request, None, 404, "not_found", _("There is no such form."))
    try:
        size = len(request.body)
    except RequestDataTooBig:
        size = publicform.MAX_BODY_BYTES + 1
    if size > publicform.MAX_BODY_BYTES:
        return _refused(request, form, 413, "payload_too_large", _("The submission is too large."))
    language = _language(request)
    with translation.override(language):
        try:
            publicform.submit(
                form,
                request.POST,
                origin=request.headers.get("Origin", ""),
                own=_own(request),
                client_ip=client_ip(request),
                body_bytes=size,
                language=language,
            )
        except publicform.Refused as refused:
            return _refused(
                request,
                form,
                refused.status,
                refused.code,
                refused.message,
                values=request.POST,
                language=language,
            )
        except ValidationError as error:
            message = _("Please check what you entered.")
            return _refused(
                request,
                form,
                400,
                "validation_error",
                message,
                values=request.POST,
                errors=_field_errors(error),
                language=language,
            )
        text = publicform.thank_you(form, language)
        if _wants_json(request):
            return _cors(JsonResponse({"ok": True, "message": text}, status=201), request, form)
        return render(
            request, "leads/public_done.html", {"message": text, "lang": language}, status=201
        )
