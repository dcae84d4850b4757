"""The admin site is for inspection: every write goes through services, which audit it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from heartline.core.models import AuditEntry, Notification, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete: the services are the only writers, so writes are audited."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "channel", "action", "object_type", "object_id")
    list_filter = ("action", "channel", "object_type")
    search_fields = ("actor_label", "object_id", "object_label", "request_id")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "created_at", "pushed_at")
    list_filter = ("type",)
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "text", "created_at", "read_at")
    show_full_result_count = False
