"""Events published by the activities app. Ids only, never personal data."""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class ActivityChanged(DomainEvent):
    """An activity was planned, changed, completed, cancelled or rescheduled."""

    type = "activity.changed"
    activity_id: int
    owner_id: int
    customer_id: int | None = None
    change: str  # created, updated, completed, cancelled, rescheduled

    def live_groups(self) -> list[str]:
        return [f"user.{self.owner_id}"]
