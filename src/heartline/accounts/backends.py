"""Authentication backend whose permissions come from the role matrix in ``core.permissions``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from heartline.core.permissions import PERMISSIONS, permissions_for_role


class RoleBackend(ModelBackend):
    """Password login as usual; ``has_perm`` answers from the user's role.

    Django model permissions (``app.view_model`` …), used by the admin site, are granted to the
    ``admin`` role only, through ``system.admin``.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(permissions_for_role(user_obj.role))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        granted = permissions_for_role(user_obj.role)
        if perm in PERMISSIONS:
            return perm in granted
        return "system.admin" in granted  # Django model permissions, for the admin site

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self.has_perm(user_obj, "system.admin")
