"""Importing leads from CSV: upload, column mapping with a dry run, the real run — the
customer import's steps (``web/views/customers/transfer.py``).

The file is kept between the steps under ``MEDIA_ROOT/lead-imports/<random uuid>`` (never
served); only the uuid is in the session; the file is deleted after the run or on "start over".
"""

from __future__ import annotations

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
from heartline.leads import imports
from heartline.web.views.leads.forms import MappingForm, UploadForm

SESSION_KEY = "heartline_lead_import"
UUID_HEX = re.compile(r"^[0-9a-f]{32}$")


def _directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "lead-imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    state = request.session.get(SESSION_KEY)
    if (
        not isinstance(state, dict)
        or not UUID_HEX.fullmatch(str(state.get("id", "")))
        or not isinstance(state.get("columns"), list)
        or not (_directory() / state["id"]).is_file()
    ):
        request.session.pop(SESSION_KEY, None)
        return None
    return state


def _discard(request: HttpRequest) -> None:
    state = request.session.pop(SESSION_KEY, None)
    if isinstance(state, dict) and UUID_HEX.fullmatch(str(state.get("id", ""))):
        (_directory() / state["id"]).unlink(missing_ok=True)


@requires("leads.manage")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            form.add_error("file", _("The file is larger than 10 MB."))
        else:
            data = upload.read()
            try:
                columns = imports.csv_columns(data)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                _discard(request)
                key = uuid.uuid4().hex
                target = _directory() / key
                target.write_bytes(data)
                target.chmod(0o600)
                request.session[SESSION_KEY] = {
                    "id": key,
                    "name": (upload.name or "")[:100],
                    "columns": columns,
                }
                return redirect("web:lead_import_review")
    status = 400 if form.errors else 200
    return render(request, "leads/import_upload.html", {"form": form}, status=status)


def _report(request: HttpRequest, state: dict[str, Any], mapping: dict[str, str], dry: bool) -> Any:
    data = (_directory() / state["id"]).read_bytes()
    records = list(imports.csv_records(data, mapping))
    evidence = _("import of %(file)s by %(who)s") % {"file": state["name"], "who": request.user}
    return imports.import_records(
        actor=request.user, records=records, dry_run=dry, evidence=evidence[:200]
    )


@requires("leads.manage")
def import_review(request: HttpRequest) -> HttpResponse:
    """GET: the column mapping. POST: a dry run and its row-by-row report."""
    state = _pending(request)
    if state is None:
        return redirect("web:lead_import")
    columns = [str(c) for c in state["columns"]]
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        columns=columns,
        guess=imports.guess_mapping(columns),
    )
    report = None
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        try:
            report = _report(request, state, mapping, dry=True)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[SESSION_KEY] = {**state, "mapping": mapping}
    context = {"form": form, "state": state, "report": report}
    return render(request, "leads/import_review.html", context, status=400 if form.errors else 200)


@requires("leads.manage")
@require_POST
def import_run(request: HttpRequest) -> HttpResponse:
    state = _pending(request)
    if state is None or not isinstance(state.get("mapping"), dict):
        return redirect("web:lead_import")
    try:
        report = _report(request, state, state["mapping"], dry=False)
    except ValidationError as error:
        _discard(request)
        context = {"form": UploadForm(), "problem": " ".join(error.messages)}
        return render(request, "leads/import_upload.html", context, status=400)
    _discard(request)
    return render(request, "leads/import_done.html", {"report": report, "state": state})


@requires("leads.manage")
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    _discard(request)
    messages.info(request, _("Import cancelled; the uploaded file is deleted."))
    return redirect("web:lead_import")
