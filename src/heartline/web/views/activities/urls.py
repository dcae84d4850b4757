"""URLs of the activities pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
