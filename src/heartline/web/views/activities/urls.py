"""URLs of the activities pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from heartline.web.views.activities import calendar, pages

urlpatterns: list[URLPattern] = [
    path("activities/", pages.my_day_page, name="my_day"),
    path("activities/new/", pages.activity_add, name="activity_add"),
    path(
        "activities/<int:activity_id>/complete/",
        pages.activity_complete,
        name="activity_complete",
    ),
    path("activities/<int:activity_id>/cancel/", pages.activity_cancel, name="activity_cancel"),
    path(
        "activities/customer/<int:customer_id>/",
        pages.customer_activities,
        name="activities_customer",
    ),
    path("activities/deal/<int:deal_id>/", pages.deal_activities, name="activities_deal"),
    path("activities/calendar/", calendar.calendar_address, name="calendar_address"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
