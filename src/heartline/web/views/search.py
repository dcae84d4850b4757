"""The global search: an htmx partial under the box, or a full page without JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from heartline.core.access import requires
from heartline.web import search as registry
from heartline.web.forms import SearchForm


@requires("search.use")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    groups = registry.search(request.user, query) if query else []
    context = {"form": form, "query": query, "groups": groups}
    template = "web/search_results.html" if getattr(request, "htmx", False) else "web/search.html"
    return render(request, template, context)
