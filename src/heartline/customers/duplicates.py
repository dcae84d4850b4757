"""Finding customers who may be the same person: indexed candidates, then a fuzzy score.

Candidates come from equal name keys (characters, pinyin, Latin — also with the Latin name's
parts reversed), the same e-mail mailbox name, or the same birthday plus a similar name.
Each candidate gets a score from 0 to 100 and the reasons that made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rapidfuzz import fuzz

from heartline.customers.models import Address, Customer, Identity, Moment

THRESHOLD = 40  # a name alone (45-50) shows as a weak candidate
MAX_CANDIDATES = 20

# The reasons, as their English source text: translated when a candidate is computed for a
# reader, stored as they are by the periodic scan and translated when shown (reason_label).
SAME_CHARACTERS = gettext_noop("same name in characters")
SIMILAR_NAME = gettext_noop("similar name (%(percent)s%%)")
SAME_BIRTHDAY = gettext_noop("same birthday")
SAME_MAILBOX = gettext_noop("same e-mail name at another domain")
SAME_ADDRESS = gettext_noop("same address")
_FIXED_REASONS = frozenset({SAME_CHARACTERS, SAME_BIRTHDAY, SAME_MAILBOX, SAME_ADDRESS})
_SIMILAR_STORED = re.compile(r"similar name \((\d{1,3})%\)")


@dataclass
class Candidate:
    customer_id: int
    display_name: str
    score: int
    reasons: list[str] = field(default_factory=list)


def _latin_reversed(name_latin: str) -> str:
    from heartline.customers.names import fold

    parts = name_latin.split()
    return fold(" ".join(reversed(parts))) if len(parts) > 1 else ""


def _probe(customer: Customer) -> Q:
    q = Q(pk__in=[])
    if customer.key_cjk:
        q |= Q(key_cjk=customer.key_cjk)
    if customer.key_pinyin:
        q |= Q(key_pinyin=customer.key_pinyin) | Q(key_latin=customer.key_pinyin)
    if customer.key_latin:
        q |= Q(key_latin=customer.key_latin) | Q(key_pinyin=customer.key_latin)
        reversed_key = _latin_reversed(customer.name_latin)
        if reversed_key:
            q |= Q(key_latin=reversed_key) | Q(key_pinyin=reversed_key)
    return q


def _mailboxes(customer_id: int) -> set[str]:
    return _mailboxes_of([customer_id])[customer_id]


def _score(a: Customer, b: Customer, facts: dict[str, Any]) -> Candidate:
    reasons: list[str] = []
    score = 0
    if a.key_cjk and a.key_cjk == b.key_cjk:
        score, reasons = score + 50, [*reasons, _(SAME_CHARACTERS)]
    else:
        best = max(
            fuzz.ratio(a.key_pinyin, b.key_pinyin) if a.key_pinyin and b.key_pinyin else 0,
            fuzz.ratio(a.key_latin, b.key_latin) if a.key_latin and b.key_latin else 0,
            fuzz.token_sort_ratio(a.name_latin, b.name_latin)
            if a.name_latin and b.name_latin
            else 0,
            fuzz.ratio(a.key_pinyin, b.key_latin) if a.key_pinyin and b.key_latin else 0,
            fuzz.ratio(a.key_latin, b.key_pinyin) if a.key_latin and b.key_pinyin else 0,
        )
        if best >= 85:
            score, reasons = (
                score + int(best * 0.45),
                [*reasons, _(SIMILAR_NAME) % {"percent": int(best)}],
            )
    if facts["birthday"].get(a.pk) and facts["birthday"].get(a.pk) == facts["birthday"].get(b.pk):
        score, reasons = score + 25, [*reasons, _(SAME_BIRTHDAY)]
    if facts["mailboxes"].get(a.pk, set()) & facts["mailboxes"].get(b.pk, set()):
        score, reasons = score + 30, [*reasons, _(SAME_MAILBOX)]
    addr_a, addr_b = facts["address"].get(a.pk, ""), facts["address"].get(b.pk, "")
    if addr_a and addr_b and fuzz.ratio(addr_a, addr_b) >= 90:
        score, reasons = score + 20, [*reasons, _(SAME_ADDRESS)]
    return Candidate(b.pk, b.display_name, min(score, 100), reasons)


def reason_label(stored: str) -> str:
    """A reason the periodic scan stored (its English source text) in the reader's language;
    text it does not know (stored by an older version) is shown as it is."""
    similar = _SIMILAR_STORED.fullmatch(stored)
    if similar:
        return _(SIMILAR_NAME) % {"percent": similar.group(1)}
    return _(stored) if stored in _FIXED_REASONS else stored


def _mailboxes_of(ids: list[int]) -> dict[int, set[str]]:
    """Mailbox names (the part before @, 4+ characters) of each customer, in one query."""
    boxes: dict[int, set[str]] = {cid: set() for cid in ids}
    rows = Identity.objects.filter(customer_id__in=ids, kind="email")
    for cid, value in rows.values_list("customer_id", "value"):
        box = value.split("@", 1)[0]
        if len(box) >= 4:
            boxes[cid].add(box)
    return boxes


def _facts(ids: list[int]) -> dict[str, Any]:
    birthday = {
        cid: (m, d)
        for cid, m, d in Moment.objects.filter(customer_id__in=ids, kind="birthday").values_list(
            "customer_id", "month", "day"
        )
    }
    address: dict[int, str] = {}
    for cid, text in Address.objects.filter(customer_id__in=ids).values_list("customer_id", "text"):
        address.setdefault(cid, text)
    return {
        "birthday": birthday,
        "address": address,
        "mailboxes": _mailboxes_of(ids),
    }


def duplicate_candidates(user: Any, customer: Customer) -> list[Candidate]:
    """Possible duplicates of ``customer``, best first, with score and reasons."""
    if not user.has_perm("customers.view"):
        raise PermissionDenied("customers.view")
    return candidates_of(customer)


def candidates_of(customer: Customer) -> list[Candidate]:
    """:func:`duplicate_candidates` without the permission check (the periodic scan's)."""
    probe = _probe(customer)
    mailboxes = _mailboxes(customer.pk)
    for box in mailboxes:
        probe |= Q(identities__kind="email", identities__value__startswith=f"{box}@")
    others = list(
        Customer.objects.filter(probe, merged_into__isnull=True)
        .exclude(pk=customer.pk)
        .distinct()
        .order_by("id")[:200]
    )
    facts = _facts([customer.pk, *[o.pk for o in others]])
    scored = [_score(customer, other, facts) for other in others]
    good = [c for c in scored if c.score >= THRESHOLD]
    return sorted(good, key=lambda c: (-c.score, c.customer_id))[:MAX_CANDIDATES]


def candidates_for_new(
    user: Any, *, name_cjk: str = "", name_latin: str = "", name_pinyin: str = ""
) -> list[Candidate]:
    """Existing customers a customer about to be created may duplicate (warn on entry)."""
    from heartline.customers.names import pinyin_of, search_keys

    if not user.has_perm("customers.view"):
        raise PermissionDenied("customers.view")
    pinyin = name_pinyin or (pinyin_of(name_cjk) if name_cjk else "")
    draft = Customer(name_cjk=name_cjk, name_latin=name_latin, name_pinyin=pinyin)
    for key, value in search_keys(
        name_cjk=name_cjk, name_pinyin=pinyin, name_latin=name_latin
    ).items():
        setattr(draft, key, value)
    if not (draft.key_cjk or draft.key_pinyin or draft.key_latin):
        return []
    return candidates_of(draft)
