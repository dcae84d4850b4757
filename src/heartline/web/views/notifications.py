"""The notifications area: badge and panel partials (htmx) and a full page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heartline.core.access import requires
from heartline.web.selectors import (
    notification_list_for_user,
    notification_panel_for_user,
    unread_count_for_user,
)
from heartline.web.services import notifications_mark_all_read


@requires("notifications.view")
def notification_list(request: HttpRequest) -> HttpResponse:
    context = {"notifications": notification_list_for_user(request.user)}
    return render(request, "web/notifications.html", context)


@requires("notifications.view")
def notification_badge(request: HttpRequest) -> HttpResponse:
    context = {"unread_count": unread_count_for_user(request.user)}
    return render(request, "web/_notification_badge.html", context)


@requires("notifications.view")
def notification_panel(request: HttpRequest) -> HttpResponse:
    context = {"notifications": notification_panel_for_user(request.user)}
    return render(request, "web/_notification_panel.html", context)


@requires("notifications.view")
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    if getattr(request, "htmx", False):
        response = notification_panel(request)
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("web:notifications")
