"""Events published by the sales app. They carry ids only, never personal data.

Each nudges the board of its pipeline (``pipeline.<id>``) and the pages of its customer
(``customer.<id>``); a board reorder nudges only the board.
"""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


class _DealEvent(DomainEvent):
    deal_id: int
    customer_id: int
    pipeline_id: int

    def live_groups(self) -> list[str]:
        return [f"pipeline.{self.pipeline_id}", f"customer.{self.customer_id}"]


@event_type
class DealCreated(_DealEvent):
    type = "deal.created"


@event_type
class DealChanged(_DealEvent):
    type = "deal.changed"
    fields: list[str]

    def live_groups(self) -> list[str]:
        if self.fields == ["rank"]:  # a card's place on the board: nothing for the customer
            return [f"pipeline.{self.pipeline_id}"]
        return super().live_groups()


@event_type
class DealStageChanged(_DealEvent):
    type = "deal.stage_changed"
    stage_change_id: int
    from_stage_id: int | None
    to_stage_id: int
    status: str
    via: str


@event_type
class PipelineChanged(DomainEvent):
    type = "pipeline.changed"
    pipeline_id: int

    def live_groups(self) -> list[str]:
        return [f"pipeline.{self.pipeline_id}"]
