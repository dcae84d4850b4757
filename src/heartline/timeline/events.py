from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class InteractionRecorded(DomainEvent):
    type = "interaction.recorded"
    interaction_id: int
    customer_id: int
    channel: str

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]
