from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from heartline.core.access import requires
from heartline.worker.selectors import tasks_overview


@requires("tasks.view")
def tasks_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/tasks.html", tasks_overview(user=request.user))
