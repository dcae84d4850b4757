"""Events published by staff-account services."""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class StaffCreated(DomainEvent):
    type = "staff.created"
    user_id: int

    def live_groups(self) -> list[str]:
        return ["staff"]


@event_type
class StaffChanged(DomainEvent):
    type = "staff.changed"
    user_id: int
    fields: list[str]

    def live_groups(self) -> list[str]:
        return ["staff", f"user.{self.user_id}"]


@event_type
class ApiTokenCreated(DomainEvent):
    type = "api_token.created"
    user_id: int
    token_id: int

    def live_groups(self) -> list[str]:
        return [f"user.{self.user_id}"]


@event_type
class ApiTokenRevoked(DomainEvent):
    type = "api_token.revoked"
    user_id: int
    token_id: int

    def live_groups(self) -> list[str]:
        return [f"user.{self.user_id}"]
