"""The order of cards in a board column: sparse integer ranks (smaller first, ties by id).

A card dropped between two others takes the rank halfway between theirs; at the top or the
bottom, one :data:`STEP` beyond. When two neighbours have no room left between them, the cards
from the lower one down are shifted by one UPDATE, so a move never renumbers the whole column
row by row. Each read here is one probe of the ``(stage, status, rank, id)`` index.
"""

from __future__ import annotations

from django.db.models import F, Q

from heartline.sales.models import Deal

STEP = 1 << 16


Place = tuple[int, int]  # (rank, id)


def _neighbour(stage_id: int, deal_id: int, *, after: Place | None, first: bool) -> Place | None:
    rows = Deal.objects.filter(stage_id=stage_id).exclude(pk=deal_id)
    if after is not None:
        rank, pk = after
        if first:
            rows = rows.filter(Q(rank__gt=rank) | Q(rank=rank, pk__gt=pk))
        else:
            rows = rows.filter(Q(rank__lt=rank) | Q(rank=rank, pk__lt=pk))
    ordering = ("rank", "id") if first else ("-rank", "-id")
    row = rows.order_by(*ordering).values_list("rank", "id").first()
    return (int(row[0]), int(row[1])) if row else None


def _place(stage_id: int, deal_id: int, pk: int | None) -> Place | None:
    if pk is None or pk == deal_id:
        return None
    row = Deal.objects.filter(stage_id=stage_id, pk=pk).values_list("rank", "id").first()
    return (int(row[0]), int(row[1])) if row else None


def top_rank(stage_id: int, deal_id: int = 0) -> int:
    head = _neighbour(stage_id, deal_id, after=None, first=True)
    return head[0] - STEP if head else 0


def rank_for(
    stage_id: int,
    deal_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    position: str | None = None,
) -> int:
    """The rank of ``deal_id`` placed in ``stage_id`` right after the card ``after``, else right
    before ``before``, else at ``position`` "bottom", else at the top. A neighbour that is no
    longer in the column (moved meanwhile) counts as not given."""
    prev = _place(stage_id, deal_id, after)
    nxt: Place | None = None
    if prev is not None:
        nxt = _neighbour(stage_id, deal_id, after=prev, first=True)
    else:
        nxt = _place(stage_id, deal_id, before)
        if nxt is not None:
            prev = _neighbour(stage_id, deal_id, after=nxt, first=False)
        elif position == "bottom":
            prev = _neighbour(stage_id, deal_id, after=None, first=False)
        else:
            return top_rank(stage_id, deal_id)
    if prev is None and nxt is None:
        return 0
    if prev is None:
        return nxt[0] - STEP if nxt is not None else 0
    if nxt is None:
        return prev[0] + STEP
    if nxt[0] - prev[0] >= 2:
        return (prev[0] + nxt[0]) // 2
    # No room between the two: push the lower one and everything below it down.
    Deal.objects.filter(stage_id=stage_id).exclude(pk=deal_id).filter(
        Q(rank__gt=nxt[0]) | Q(rank=nxt[0], pk__gte=nxt[1])
    ).update(rank=F("rank") + 2 * STEP)
    return prev[0] + STEP
