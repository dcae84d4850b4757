from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from heartline.web.navigation import navigation_for
from heartline.web.selectors import unread_count_for_user


def shell(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "navigation": navigation_for(user),
        # a callable: the template calls it only where the badge is rendered
        "unread_count": lambda: unread_count_for_user(user),
    }
