"""Recovering from a backlog after a break: the overdue cards postponed, or spread over the coming days.

The rules are those of the FSRS Helper add-on for Anki (github.com/open-spaced-repetition/fsrs4anki-helper, read at
commit 0069dffef85156d9e9a105a99d27de29ff9265a7):

- postpone (`schedule/postpone.py`): the review cards due, sorted by how far past their interval they are,
  `(1/R - 1) / (1/DR - 1) - 1` ascending, which for one desired retention DR is the retrievability R descending, then
  by stability descending: the cards that lose least by waiting come first, and the first N wait. Each waits
  `ceil(interval * k) - interval` days from today, k drawn from 1.05-1.10 (its new interval `ceil(interval * k) +
  delay`, the delay being the days it is already overdue), at least a day: here k is the middle, 1.075, since this
  app's scheduler does not fuzz. Cards still in (re)learning are not postponed (the add-on takes the review queue only).
- spread (`schedule/flatten.py`, "flatten"): every overdue card, the most urgent first, laid over the days from today
  on, a day's quota at a time. The add-on orders the backlog by stability; here by retrievability, which also counts
  how long each card has waited (the lowest first), and the quota is an even share of the `days` asked for.

Overdue means due before the learner's day began (the add-on's `due < today`); the cards due later today are today's
work. The retrievability is the fsrs package's (`srs.recall_probability`) with the learner's parameters; for an SM-2
learner, srs-benchmark's convention. It is taken at the start of the day the recovery was asked, so that a job resumed
later orders the cards it has left as its first run did.

A recovery names its target, not a count ("all but the `keep` most urgent", "all of them"): asked again, it finds
its work done, since the cards it moved are no longer overdue. Up to IN_REQUEST_CARDS overdue cards are moved within
the request (one Query, one GetItem of the learner's recovery job, whose cards they are while it runs, then one
transaction per 99 cards); a larger backlog is a job on the account-jobs worker (202), which works through its plan
a transaction at a time, the cards and its cursor together: a delivery retried or resumed after a timeout moves no
card twice and skips none. Every card is written on its version as read: a review
that wins the race keeps the card (it is skipped, counted as such).
"""

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.constants import API_PREFIX
from shared.dal import job_queue, jobs_repository, progress_repository
from shared.dal.jobs_repository import AccountJob
from shared.dal.progress_repository import CARDS_PER_MOVE, JobStep
from shared.domain.cards import Card
from shared.enums import JobStatus, JobType, MasteryLevel
from shared.errors import Conflict, NotFound
from shared.observability import logger, metrics
from shared.schemas.progress import (
    MAX_SPREAD_DAYS,
    BacklogJob,
    BacklogPostpone,
    BacklogRequest,
    BacklogResult,
    BacklogSpread,
    BacklogStarted,
    BacklogSuggestion,
)
from shared.services import srs
from shared.services.auth import Principal
from shared.services.calendar import day_start, local_day

IN_REQUEST_CARDS = 200  # one Query of about 200 KB and 3 transactions: well within a request
POSTPONE_SHARE = 0.075  # of its interval a postponed card waits (the add-on's 1.05-1.10, unfuzzed)
TIME_RESERVE_MS = 60_000  # the job hands itself back this long before its invocation's timeout
NOT_POSTPONED = frozenset({MasteryLevel.NEW, MasteryLevel.LEARNING})
# A learner's recovery job has an id of its own, derived from theirs: one at a time, found again by a retry.
JOB_IDS = uuid.UUID("6f1c1f3e-0b7a-4c5e-9a57-5d0c8e2b9a41")
BACKLOG_FAILED = "the backlog could not be moved completely; the cards moved so far keep their new dates: ask again"

Action = Literal["postpone", "spread"]


@dataclass(frozen=True)
class Recovery:
    """What the learner asked, as the job keeps it."""

    action: Action
    cutoff: datetime  # the start of the learner's day when asked: the cards due before it are overdue
    timezone: str
    keep: int  # postpone: the most urgent cards left due
    days: int  # spread: over how many days, today included
    algorithm: str
    parameters: tuple[float, ...] | None

    def as_input(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "cutoff": self.cutoff.isoformat(),
            "timezone": self.timezone,
            "keep": self.keep,
            "days": self.days,
            "algorithm": self.algorithm,
            "parameters": list(self.parameters) if self.parameters is not None else None,
        }

    @classmethod
    def of_input(cls, stored: dict[str, Any]) -> "Recovery":
        parameters = stored.get("parameters")
        return cls(
            action=stored["action"],
            cutoff=datetime.fromisoformat(stored["cutoff"]).astimezone(UTC),
            timezone=str(stored["timezone"]),
            keep=int(stored["keep"]),
            days=int(stored["days"]),
            algorithm=str(stored["algorithm"]),
            parameters=tuple(float(p) for p in parameters) if parameters is not None else None,
        )


def recover(principal: Principal, request: BacklogRequest, now: datetime) -> BacklogResult | BacklogStarted:
    """Move the learner's overdue cards as asked: within the request for a small backlog, else by a job."""
    user = principal.user
    recovery = Recovery(
        action=request.action,
        cutoff=day_start(local_day(now, user.timezone), user.timezone),
        timezone=user.timezone,
        keep=(
            (user.max_daily_reviews if request.keep is None else request.keep)
            if isinstance(request, BacklogPostpone)
            else 0
        ),
        days=request.days if isinstance(request, BacklogSpread) else 0,
        algorithm=str(user.srs_algorithm),
        parameters=principal.scheduler.parameters,
    )
    cards = progress_repository.overdue_cards(user.id, recovery.cutoff, limit=IN_REQUEST_CARDS + 1)
    if cards and (running := _running_job(user.id)) is not None:
        return _same_job(running, recovery)  # the rest of its backlog is its own: its plan counts those cards
    if len(cards) > IN_REQUEST_CARDS:
        return _start_job(user.id, recovery, now)
    moves = plan(recovery, cards, position=0)
    moved = sum(
        progress_repository.move_due_dates(moves[start : start + CARDS_PER_MOVE])
        for start in range(0, len(moves), CARDS_PER_MOVE)
    )
    metrics.add_metric(name="BacklogCardsMoved", unit="Count", value=moved)
    return BacklogResult(
        action=recovery.action,
        overdue_before=len(cards),
        moved=moved,
        skipped=len(moves) - moved,
        overdue_after=len(cards) - len(moves),  # a card skipped was answered or suspended: no longer overdue either
    )


def plan(recovery: Recovery, cards: Sequence[Card], position: int) -> list[tuple[Card, datetime]]:
    """The overdue `cards` to move and their new due dates, in the rule's order. `position`: the cards of the same
    plan already moved (or skipped) by an earlier run of its job, which are no longer among `cards`."""
    today = local_day(recovery.cutoff, recovery.timezone)
    urgency = {card.key: _retrievability(card, recovery) for card in cards}
    if recovery.action == "postpone":
        # Least harmed by waiting first: the highest retrievability, then the longest stability.
        order = sorted(cards, key=lambda card: (-urgency[card.key], -(card.state.stability or 0.0), card.key))
        waiting = max(0, len(cards) - recovery.keep)
        reviewing = [card for card in order if card.mastery_level not in NOT_POSTPONED]
        return [
            (card, day_start(today + timedelta(days=_postponed_days(card)), recovery.timezone))
            for card in reviewing[:waiting]
        ]
    # The most urgent first: the lowest retrievability, then the shortest stability; an even share on each day.
    order = sorted(cards, key=lambda card: (urgency[card.key], card.state.stability or 0.0, card.key))
    total = position + len(order)
    return [
        (card, day_start(today + timedelta(days=(position + index) * recovery.days // total), recovery.timezone))
        for index, card in enumerate(order)
    ]


def _postponed_days(card: Card) -> int:
    return max(1, math.ceil(card.state.interval_days * POSTPONE_SHARE))


def _retrievability(card: Card, recovery: Recovery) -> float:
    """The card's recall probability at the recovery's cutoff; 0 (the most urgent) for a card with nothing to judge
    it by (no review, or no interval)."""
    state = card.state
    if state.last_review is None:
        return 0.0
    fsrs_state = recovery.algorithm == srs.Algorithm.FSRS and state.stability is not None
    try:
        return srs.recall_probability(
            state,
            srs.Algorithm.FSRS if fsrs_state else srs.Algorithm.SM2,  # a card last scheduled by SM-2 has no stability
            max(recovery.cutoff, state.last_review),
            parameters=recovery.parameters if fsrs_state else None,
        )
    except ValueError:
        return 0.0


def _job_id(user_id: str) -> str:
    return str(uuid.uuid5(JOB_IDS, user_id))


def _started(job_id: str, status: JobStatus) -> BacklogStarted:
    return BacklogStarted(job_id=job_id, status=status, status_url=f"{API_PREFIX}/progress/backlog/{job_id}")


def _start_job(user_id: str, recovery: Recovery, now: datetime) -> BacklogStarted:
    """Queue the learner's recovery job; should one have been queued since it was looked for, the same request gets
    that one back and another is a 409."""
    job_id = _job_id(user_id)
    if jobs_repository.claim_account_job(job_id, user_id, JobType.BACKLOG_RECOVERY, recovery.as_input(), now):
        job_queue.hand_to_worker(job_id)  # if this send fails, the janitor hands over the stalled job
        metrics.add_metric(name="BacklogJobQueued", unit="Count", value=1)
        return _started(job_id, JobStatus.PENDING)
    running = _running_job(user_id)
    if running is None:
        raise Conflict("your backlog was being moved at the same moment; try again")
    return _same_job(running, recovery)


def _running_job(user_id: str) -> AccountJob | None:
    """The learner's recovery job, if one is queued or running: one GetItem."""
    job = jobs_repository.account_job(_job_id(user_id))
    return job if job is not None and job.status in (JobStatus.PENDING, JobStatus.RUNNING) else None


def _same_job(running: AccountJob, recovery: Recovery) -> BacklogStarted:
    """The running job again for the request that started it (a retry); a 409 for any other."""
    asked = {name: value for name, value in recovery.as_input().items() if name in ("action", "keep", "days")}
    started = _started(running.id, running.status)
    if any(running.input.get(name) != value for name, value in asked.items()):
        raise Conflict(
            "another recovery of your backlog is under way: wait until it is done",
            details=[{"message": f"follow it at {started.status_url}", "type": "job"}],
        )
    return started


def backlog_job(principal: Principal, job_id: str) -> BacklogJob:
    """One of the learner's recovery jobs: its status and its tally so far."""
    job = jobs_repository.account_job(job_id)
    if job is None or job.user_id != principal.user.id or job.job_type != JobType.BACKLOG_RECOVERY:
        raise NotFound("backlog job not found")
    return BacklogJob(
        job_id=job.id,
        status=job.status,
        created_at=job.created_at,
        action=job.input["action"],
        moved=int(job.result.get("moved", 0)),
        skipped=int(job.result.get("skipped", 0)),
        error=job.error_message,
    )


@dataclass(frozen=True)
class JobRun:
    done: bool  # False: handed back, to go on in another invocation
    moved: int


def run_job(job: AccountJob, now: datetime, time_left_ms: Callable[[], int]) -> JobRun:
    """Go on with a recovery job where its cursor is: read the cards still overdue, plan them (the same order as its
    first run: the retrievability at the cutoff), move them a transaction at a time while time is left. Raises
    JobMovedOn when another delivery of the job is running it."""
    assert job.user_id is not None
    recovery = Recovery.of_input(job.input)
    position, moved, skipped = job.cursor, int(job.result.get("moved", 0)), int(job.result.get("skipped", 0))
    moves = plan(recovery, progress_repository.overdue_cards(job.user_id, recovery.cutoff), position)
    for start in range(0, len(moves), CARDS_PER_MOVE):
        if time_left_ms() <= TIME_RESERVE_MS:
            return JobRun(done=False, moved=moved)
        chunk = moves[start : start + CARDS_PER_MOVE]
        written = progress_repository.move_due_dates(chunk, JobStep(job.id, position, moved, skipped))
        position, moved, skipped = position + len(chunk), moved + written, skipped + len(chunk) - written
    result = {"action": recovery.action, "moved": moved, "skipped": skipped}
    jobs_repository.finish_account_job(job.id, JobStatus.COMPLETED, now, result=result)
    metrics.add_metric(name="BacklogCardsMoved", unit="Count", value=moved)
    logger.info("backlog recovered", extra={"job_id": job.id, **result})
    return JobRun(done=True, moved=moved)


def suggestion(overdue: int, daily_reviews: int) -> BacklogSuggestion:
    """What the dashboard proposes for `overdue` cards, to a learner who reviews up to `daily_reviews` a day: nothing
    within a day's reviews; else spread them so that each day takes at most that many, or, were that more than
    MAX_SPREAD_DAYS days, postpone all but a day's worth."""
    if overdue == 0:
        return BacklogSuggestion(message="Nothing is overdue.")
    if overdue <= daily_reviews:
        return BacklogSuggestion(message=f"{overdue} overdue: within today's reviews, nothing to move.")
    days = math.ceil(overdue / daily_reviews)
    if days <= MAX_SPREAD_DAYS:
        return BacklogSuggestion(
            message=(
                f"{overdue} overdue, more than a day's {daily_reviews} reviews: spread them over {days} days, "
                "the most urgent first."
            ),
            action=BacklogSpread(action="spread", days=days),
        )
    return BacklogSuggestion(
        message=(
            f"{overdue} overdue: postpone all but the {daily_reviews} most urgent; those that lose least by waiting "
            "wait a little, in proportion to their interval."
        ),
        action=BacklogPostpone(action="postpone", keep=daily_reviews),
    )
