"""The audit trail, read with filters and keyset pagination."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from heartline.core.access import requires
from heartline.web.forms import AuditFilterForm
from heartline.web.selectors import audit_page_for_user, change_lines


@requires("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        page = audit_page_for_user(
            request.user,
            actor=filters.get("actor") or "",
            object_type=filters.get("object_type") or "",
            action=filters.get("action") or "",
            since=filters.get("since"),
            until=filters.get("until"),
            before=filters.get("before"),
        )
    rows = [(entry, change_lines(entry.changes)) for entry in page.entries] if page else []
    older_query = ""
    if page is not None and page.older_than is not None:
        query = request.GET.copy()
        query["before"] = str(page.older_than)
        older_query = query.urlencode()
    context = {"form": form, "rows": rows, "older_query": older_query}
    return render(request, "web/audit_list.html", context, status=200 if page else 400)
