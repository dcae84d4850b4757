from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from heartline.core.access import requires


@requires("dashboard.view")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {})
