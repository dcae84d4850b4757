from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from heartline.web.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"navigation": navigation_for(request.user)}
