"""A learner's review log made up for tests: cards reviewed when FSRS (default parameters) schedules them, by a learner
who forgets faster than the defaults predict, so that a fit on the log has something to learn. Deterministic."""

import random
from datetime import datetime, timedelta

from shared.domain.scheduler import LoggedReview
from shared.services import srs


def forgetful_learner_log(cards: int, reviews_per_card: int, start: datetime, seed: int = 7) -> list[LoggedReview]:
    """`cards` cards, a new one every hour from `start`, each answered `reviews_per_card` times at its due time; the
    learner recalls a card due after a day or more with probability 0.75, not the 0.9 FSRS plans for (0.95 within
    the learning steps)."""
    chance = random.Random(seed)
    log = []
    for number in range(cards):
        card = f"sentence#{number:05d}"
        state = srs.new_card(start + timedelta(hours=number))
        for _ in range(reviews_per_card):
            at = state.due
            recalled = 0.75 if state.interval_days >= 1 else 0.95
            rating = srs.Rating.GOOD if chance.random() < recalled else srs.Rating.AGAIN
            log.append(LoggedReview(card, at, int(rating)))
            state = srs.review(state, srs.Algorithm.FSRS, rating, at)
    return log
