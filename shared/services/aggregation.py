"""Counters of shared content (a sentence's attempts, a word's encounters) summed from a batch of reviews.

Written once per item per batch instead of once per review: no hot key however many learners answer the
same sentence. Delivery is at least once, so a retried batch may count its answers twice; these are
statistics shown to learners and admins, not balances.
"""

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class AnsweredItem:
    item_key: str  # "sentence#<id>" or "word#<id>"
    correct: bool
    response_time_ms: int | None


@dataclass
class ItemTotals:
    attempts: int = 0
    correct: int = 0
    timed: int = 0
    response_time_ms: int = 0


def totals_by_item(answers: list[AnsweredItem]) -> dict[str, ItemTotals]:
    totals: dict[str, ItemTotals] = defaultdict(ItemTotals)
    for answer in answers:
        item = totals[answer.item_key]
        item.attempts += 1
        item.correct += int(answer.correct)
        if answer.response_time_ms is not None:
            item.timed += 1
            item.response_time_ms += answer.response_time_ms
    return dict(totals)
