"""The iCalendar feed (public: the secret token in its address is the key) and the page
actions that make a new address or stop it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from heartline.activities.calendar import (
    calendar_feed_of,
    calendar_for,
    calendar_token_regenerate,
    calendar_token_revoke,
    calendar_user_for_token,
)
from heartline.activities.models import Activity
from heartline.core.access import public, requires
from heartline.web.views.activities.forms import KindFilterForm
from heartline.web.views.activities.pages import my_day_context


@public
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/<token>.ics``: the token's owner's activities; 404 for any other token."""
    user = calendar_user_for_token(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="heartline.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def feed_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("web:calendar_feed", args=[token])


@requires("activities.manage")
@require_POST
def calendar_address(request: HttpRequest) -> HttpResponse:
    """Make a new feed address (shown once, on this answer) or stop the current one."""
    action = request.POST.get("action")
    if action == "revoke":
        if calendar_token_revoke(actor=request.user):
            messages.success(request, _("Your calendar address was stopped."))
        return redirect("web:my_day")
    if action != "regenerate":
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
    token = calendar_token_regenerate(actor=request.user)
    url = feed_url(token)
    context = my_day_context(
        request,
        filters=KindFilterForm(),
        kinds=Activity.Kind.choices,
        feed=calendar_feed_of(request.user),
        new_feed_url=url,
        new_feed_webcal="webcal://" + url.split("://", 1)[1],
    )
    return render(request, "activities/my_day.html", context)
