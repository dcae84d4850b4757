"""URLs of the sales pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from heartline.web.views.sales import dashboard

urlpatterns: list[URLPattern] = [
    path("sales/dashboard/", dashboard.dashboard, name="sales_dashboard"),
    path("sales/dashboard/deals/", dashboard.drilldown, name="sales_drilldown"),
]
