"""Importing customers (upload, column mapping, dry run, real run) and exporting a selection.

The uploaded file is kept between the steps under ``MEDIA_ROOT/imports/<random uuid>`` (a
directory that is never served) and only that uuid is kept in the session; the file is
deleted after the real import or when the user starts over.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.core.access import requires
from heartline.customers import exports, imports
from heartline.customers.selectors import customer_search
from heartline.web.forms_customers import ExportForm, ImportOptionsForm, MappingForm, UploadForm

SESSION_KEY = "heartline_import"
UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
MAX_COLUMNS = 100


def _directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _store(upload: Any) -> str:
    key = uuid.uuid4().hex
    target = _directory() / key
    with target.open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    target.chmod(0o600)
    return key


class TamperedSession(Exception):
    pass


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    """The pending import of this session, checked: a uuid naming an existing file."""
    state = request.session.get(SESSION_KEY)
    if state is None:
        return None
    if (
        not isinstance(state, dict)
        or not isinstance(state.get("id"), str)
        or not UUID_HEX.fullmatch(state["id"])
        or state.get("kind") not in ("csv", "vcard")
        or not (_directory() / state["id"]).is_file()
    ):
        request.session.pop(SESSION_KEY, None)
        raise TamperedSession
    return state


def _discard(request: HttpRequest) -> None:
    state = request.session.pop(SESSION_KEY, None)
    if isinstance(state, dict) and UUID_HEX.fullmatch(str(state.get("id", ""))):
        (_directory() / state["id"]).unlink(missing_ok=True)


def _bad_session(request: HttpRequest) -> HttpResponse:
    context = {
        "form": UploadForm(),
        "problem": _("This import has expired or is not valid. Upload the file again."),
    }
    return render(request, "web/customers/import_upload.html", context, status=400)


def _columns(data: bytes) -> list[str]:
    first_line = data.split(b"\n", 1)[0]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = first_line.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The file is neither UTF-8 nor GB18030 text."))
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    if not header or len(header) > MAX_COLUMNS:
        raise ValidationError(_("The first line must name the columns (at most 100)."))
    return header


def _check_content(kind: str, data: bytes) -> list[str]:
    if kind == "vcard":
        if not data.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCARD"):
            raise ValidationError(_("This is not a vCard file."))
        return []
    return _columns(data)


@requires("customers.import")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        head = upload.read(65536)
        upload.seek(0)
        try:
            columns = _check_content(upload.heartline_kind, head)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            _discard(request)
            request.session[SESSION_KEY] = {
                "id": _store(upload),
                "kind": upload.heartline_kind,
                "name": (upload.name or "")[:100],
                "columns": columns,
            }
            return redirect("web:customer_import_review")
    status = 400 if form.errors else 200
    return render(request, "web/customers/import_upload.html", {"form": form}, status=status)


def _records(state: dict[str, Any], mapping: dict[str, str]) -> Any:
    data = (_directory() / state["id"]).read_bytes()
    if state["kind"] == "vcard":
        return imports.vcard_records(data)
    return imports.csv_records(data, mapping)


def _options_form(request: HttpRequest, state: dict[str, Any]) -> ImportOptionsForm:
    data = request.POST if request.method == "POST" else None
    if state["kind"] == "csv":
        return MappingForm(data, columns=list(state.get("columns") or []))
    return ImportOptionsForm(data)


def _report(
    request: HttpRequest,
    state: dict[str, Any],
    mapping: dict[str, str],
    on_duplicate: str,
    dry: bool,
) -> imports.ImportReport:
    # list(): the CSV/vCard readers are lazy; reading errors must surface here, not mid-import
    records = list(_records(state, mapping))
    return imports.import_records(
        actor=request.user, records=records, dry_run=dry, on_duplicate=on_duplicate
    )


@requires("customers.import")
def import_review(request: HttpRequest) -> HttpResponse:
    """GET: the mapping (CSV) or options (vCard). POST: a dry run and its row-by-row report."""
    try:
        state = _pending(request)
    except TamperedSession:
        return _bad_session(request)
    if state is None:
        return redirect("web:customer_import")
    form = _options_form(request, state)
    report = None
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping() if isinstance(form, MappingForm) else {}
        on_duplicate = form.cleaned_data["on_duplicate"]
        try:
            report = _report(request, state, mapping, on_duplicate, dry=True)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[SESSION_KEY] = {
                **state,
                "mapping": mapping,
                "on_duplicate": on_duplicate,
            }
    context = {"form": form, "state": state, "report": report}
    status = 400 if form.errors else 200
    return render(request, "web/customers/import_review.html", context, status=status)


@requires("customers.import")
@require_POST
def import_run(request: HttpRequest) -> HttpResponse:
    try:
        state = _pending(request)
    except TamperedSession:
        return _bad_session(request)
    if state is None or "on_duplicate" not in state or not isinstance(state.get("mapping"), dict):
        return redirect("web:customer_import")
    try:
        report = _report(request, state, state["mapping"], state["on_duplicate"], dry=False)
    except ValidationError as error:
        _discard(request)
        context = {"form": UploadForm(), "problem": " ".join(error.messages)}
        return render(request, "web/customers/import_upload.html", context, status=400)
    _discard(request)
    return render(request, "web/customers/import_done.html", {"report": report, "state": state})


@requires("customers.import")
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    _discard(request)
    messages.info(request, _("Import cancelled; the uploaded file is deleted."))
    return redirect("web:customer_import")


FORMATS = {
    "vcard4": ("text/vcard; charset=utf-8", "vcf"),
    "vcard3": ("text/vcard; charset=utf-8", "vcf"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


@requires("customers.export")
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        return render(request, "web/customers/export_error.html", {"form": form}, status=400)
    data = form.cleaned_data
    ids = list(data["ids"]) or [
        hit.customer_id for hit in customer_search(request.user, data["q"], limit=50)
    ]
    fmt = data["format"]
    if fmt == "csv":
        body = exports.export_csv(actor=request.user, ids=ids)
    else:
        body = exports.export_vcard(
            actor=request.user, ids=ids, version="3.0" if fmt == "vcard3" else "4.0"
        )
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(body.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="customers.{extension}"'
    return response
