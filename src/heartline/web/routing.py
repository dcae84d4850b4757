from __future__ import annotations

from typing import Any

from django.urls import path

from heartline.web.consumers import NotificationsConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/notifications/", NotificationsConsumer.as_asgi()),
]
