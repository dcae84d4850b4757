"""Importing deals from a CSV file: each row through the same services as the board and the
API (``heartline.sales.imports``), with a dry run and a row-by-row report."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from heartline.core.access import requires
from heartline.sales.imports import COLUMNS, csv_records, deal_import
from heartline.web.views.sales.forms import ImportForm
from heartline.web.views.staff import attach_errors


@requires("deals.edit")
def import_deals(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            records = csv_records(form.cleaned_data["file"].read())
            report = deal_import(
                actor=request.user, records=records, dry_run=form.cleaned_data["dry_run"]
            )
        except ValidationError as error:
            attach_errors(form, error)
    status = 400 if form.errors else 200
    context = {"form": form, "report": report, "columns": sorted(COLUMNS)}
    return render(request, "sales/import.html", context, status=status)
