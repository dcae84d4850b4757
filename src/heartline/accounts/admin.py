from __future__ import annotations

from django.contrib import admin

from heartline.accounts.models import ApiToken, Team, User
from heartline.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "display_name", "role", "team", "is_active", "last_login")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "display_name", "email")
    exclude = ("password",)


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "manager")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
