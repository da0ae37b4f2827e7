"""The study loop: what is due, answering a card, sessions, and the learner's dashboard.

"Today" is the learner's own calendar day, in the time zone of their profile.
"""

from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from shared.dal import content_repository, progress_repository
from shared.domain.cards import Card, CardState
from shared.enums import MasteryLevel, ModerationStatus
from shared.errors import Conflict, DomainError, NotFound, ValidationFailed
from shared.observability import metrics
from shared.schemas.auth import UserPublic
from shared.schemas.common import ItemError, Page
from shared.schemas.progress import (
    BatchReviewResult,
    CardProgress,
    CardUpdate,
    Dashboard,
    DayCount,
    DayStats,
    DueReviews,
    ItemType,
    RetentionFigure,
    ReviewBatch,
    ReviewBatchResult,
    ReviewPublic,
    ReviewRequest,
    ReviewResult,
    ReviewStatus,
    SessionPublic,
    SessionStart,
    StudyCard,
    StudyStats,
)
from shared.services import backlog, content, load_balance, srs, streaks, study_calendar
from shared.services.auth import Principal
from shared.services.calendar import day_start, local_day

MAX_REVIEW_ATTEMPTS = 3  # re-read and retry when another review of the same card won the race
# Catalogue sentences looked at beyond the day's new-item limit: those after the learner's place that they started
# out of order, or since the aggregator last moved the place on, are passed over.
NEW_SENTENCE_SLACK = 10
RATINGS = {"again": srs.Rating.AGAIN, "hard": srs.Rating.HARD, "good": srs.Rating.GOOD, "easy": srs.Rating.EASY}


def due(principal: Principal, now: datetime) -> DueReviews:
    """Four requests: authentication (the user item holds where the learner's new sentences continue), the due cards
    (one Query up to the daily review limit), the catalogue's next sentences after that place (one Query), and one
    BatchGetItem of today's stored totals, which of those sentences the learner has started, and the content."""
    user = principal.user
    today = local_day(now, user.timezone)
    cards = progress_repository.due_cards(user.id, now, limit=user.max_daily_reviews)
    looked_at = (
        content_repository.catalogue_after(principal.new_sentences_place, user.max_daily_new_items + NEW_SENTENCE_SLACK)
        if user.max_daily_new_items
        else []
    )
    reads = progress_repository.due_reads(user.id, today, cards, [entry.sentence_id for entry in looked_at])
    # The stored day lags the log by the aggregator's batching window (~30 s): the sentences started since it counted
    # are among those looked at (new sentences are offered in catalogue order, from the same place), so add them.
    started_since = sum(
        1
        for first_seen in reads.started.values()
        if first_seen is not None
        and local_day(first_seen, user.timezone) == today
        and (reads.counted_at is None or first_seen > reads.counted_at)
    )
    # A card whose content left (its sentence deleted, or back in moderation for a learner not its author; its word
    # withdrawn) waits unshown: it is not studied, nor counted against the day's reviews, until it is back.
    cards = [card for card in cards if _studyable(card, reads, principal)]
    reviews_left = max(0, user.max_daily_reviews - reads.today.reviews - started_since)
    new_left = max(0, min(user.max_daily_new_items - reads.today.new_items - started_since, reviews_left))
    new_ids = [
        entry.sentence_id
        for entry in looked_at
        if entry.sentence_id not in reads.started and entry.sentence_id in reads.sentences
    ][:new_left]
    due_cards = [
        StudyCard(
            progress=progress_repository.card_progress(card, user.leech_threshold),
            sentence=reads.sentences.get(card.item_id) if card.item_type == "sentence" else None,
            word=reads.words.get(card.item_id) if card.item_type == "word" else None,
        )
        for card in cards[:reviews_left]
    ]
    return DueReviews(
        day=today,
        due=due_cards,
        new=[StudyCard(sentence=reads.sentences[sentence_id]) for sentence_id in new_ids],
        reviews_left_today=reviews_left,
        new_left_today=new_left,
    )


def _studyable(card: Card, reads: progress_repository.DueReads, principal: Principal) -> bool:
    if card.item_type == "sentence":
        sentence = reads.sentences.get(card.item_id)
        return sentence is not None and content.readable(sentence, principal)
    return card.item_id in reads.words


def review(principal: Principal, request: ReviewRequest, now: datetime) -> ReviewResult:
    return answer(principal, request, now).result


@dataclass(frozen=True)
class Answered:
    result: ReviewResult
    status: ReviewStatus


def answer(principal: Principal, request: ReviewRequest, now: datetime, offline_at: datetime | None = None) -> Answered:
    """Store one answer once per review id. `offline_at`: the real time of an answer given offline and sent later
    (it is logged at that time, and the streak is left to the caller); None for an answer given now."""
    user = principal.user
    algorithm = srs.Algorithm(user.srs_algorithm)
    rating = RATINGS[request.rating] if request.rating else srs.rating_from_quality(int(request.quality or 0))
    correct = rating != srs.Rating.AGAIN if request.quality is None else (request.quality or 0) >= 3
    for _ in range(MAX_REVIEW_ATTEMPTS):
        context = progress_repository.review_context(
            user.id,
            request.review_id,
            request.item_type,
            request.item_id,
            request.session_id,
            request.learned_from_sentence_id,
        )
        if context.earlier is not None:
            return Answered(_result(context.earlier, request), ReviewStatus.DUPLICATE)
        if not context.session_open:
            raise NotFound("that session does not exist or is already finished")
        card = context.card
        was_new = card is None
        if card is None:
            _require_studyable(principal, request, context)
            card = Card(
                user_id=user.id,
                item_type=request.item_type,
                item_id=request.item_id,
                state=srs.new_card(now),
                learned_from_sentence_id=request.learned_from_sentence_id,
            )
        elif card.suspended_at is not None:
            raise Conflict("this card is suspended: take it back into study to answer it")
        before = card.state
        level_before = card.mastery_level
        was_mature = level_before in progress_repository.MATURE_LEVELS
        # A concurrent answer on another device may carry a slightly later clock than ours. An offline answer keeps
        # its real time; one older than the card's last review is logged but does not move the card backward.
        answered_at = max(now, before.last_review or now) if offline_at is None else offline_at
        reviewed_at = now if offline_at is None else offline_at
        stale = before.last_review is not None and answered_at < before.last_review
        after = (
            before
            if stale
            else srs.review(
                before,
                algorithm,
                rating,
                answered_at,
                quality=request.quality,
                parameters=principal.scheduler.parameters,  # the learner's own fit, or None: the defaults
                desired_retention=principal.scheduler.desired_retention,
            )
        )
        if stale:
            mastery = level_before
        else:
            key = progress_repository.card_key(request.item_type, request.item_id)
            after = _load_balanced(user, key, card.sentence_id, after, request.review_id)
            mastery = srs.mastery_level(after)
            card = _answered(card, after, mastery, correct, request.response_time_ms, reviewed_at)
        became_mature = mastery in progress_repository.MATURE_LEVELS and not was_mature
        entry = progress_repository.ReviewEntry(
            review_id=request.review_id,
            reviewed_at=reviewed_at,
            algorithm=algorithm.value,
            rating=int(rating),
            quality=request.quality,
            correct=correct,
            response_time_ms=request.response_time_ms,
            session_id=request.session_id,
            was_new=was_new,
            became_mature=became_mature,
            deck_changed=was_new or mastery != level_before or after.lapses != before.lapses,
            study_day=local_day(reviewed_at, user.timezone),
        )
        outcome = progress_repository.record_review(card, entry)
        if outcome == progress_repository.ReviewOutcome.SAVED:
            metrics.add_metric(name="ReviewRecorded", unit="Count", value=1)
            if offline_at is None:
                study_calendar.record_study(principal.user, principal.calendar, now)
            status = ReviewStatus.RECORDED_NOT_APPLIED if stale else ReviewStatus.APPLIED
            return Answered(_result(progress_repository.review_result(card, entry), request), status)
        # ALREADY_RECORDED or CARD_CHANGED: read again; the loop returns the earlier result or retries
    raise Conflict("this card is being reviewed elsewhere at the same moment; try again")


def _answered(
    card: Card, state: CardState, mastery: MasteryLevel, correct: bool, response_time_ms: int | None, now: datetime
) -> Card:
    """The card after an answer: its new schedule and level, one more correct answer where it was, and for a
    sentence card the plan's performance figures (its run of correct answers, its last answer, the running mean of
    its response times, and when it first matured)."""
    answered = replace(card, state=state, mastery_level=mastery, correct_attempts=card.correct_attempts + int(correct))
    if card.item_type != "sentence":
        return answered
    average = card.average_response_time
    if response_time_ms is not None:
        previous = average or 0.0
        average = previous + (response_time_ms - previous) / state.review_count
    return replace(
        answered,
        consecutive_correct=card.consecutive_correct + 1 if correct else 0,
        last_attempt_correct=correct,
        average_response_time=average,
        mastered_date=card.mastered_date or (now if mastery in progress_repository.MATURE_LEVELS else None),
    )


def _load_balanced(
    user: UserPublic, card_key: str, sentence_id: str | None, after: CardState, review_id: str
) -> CardState:
    """The review's next due date moved to the day of its fuzz window that load balancing picks (see
    services/load_balance.py), at the same time of day: one Query of the learner's due index over the window's local
    days, before (and outside) the review's transaction. Intervals under 3 days are left as they are."""
    window = load_balance.fuzz_window(int(after.interval_days))
    if window is None or after.last_review is None:
        return after
    shortest, longest = window
    reviewed_at = after.last_review
    days = [local_day(reviewed_at + timedelta(days=offset), user.timezone) for offset in range(shortest, longest + 1)]
    until = day_start(days[-1] + timedelta(days=1), user.timezone) - timedelta(microseconds=1)
    others = [
        due
        for due in progress_repository.due_between(user.id, day_start(days[0], user.timezone), until)
        if due.item_key != card_key
    ]
    picked = load_balance.pick_day(
        days,
        Counter(local_day(due.due, user.timezone) for due in others),
        easy_weekdays=user.easy_days,
        sibling_days={
            local_day(due.due, user.timezone) for due in others if sentence_id and due.sentence_id == sentence_id
        },
        seed=load_balance.review_seed(card_key, review_id),
    )
    offset = shortest + days.index(picked)
    return replace(after, due=reviewed_at + timedelta(days=offset), interval_days=float(offset))


def _require_studyable(
    principal: Principal, request: ReviewRequest, context: progress_repository.ReviewContext
) -> None:
    """A new card's item exists to be studied (read with the review's context): an approved sentence, or an active
    word; a word learned from a sentence, from one the learner may read whose gloss has the word."""
    if request.item_type == "sentence":
        if context.sentence is None or context.sentence.status != ModerationStatus.ACTIVE:
            raise NotFound("sentence not found")
        return
    if context.word is None:
        raise NotFound("word not found")
    if request.learned_from_sentence_id is None:
        return
    if context.sentence is None or not content.readable(context.sentence, principal):
        raise NotFound("sentence not found")
    if request.item_id not in content.glossed_word_ids(context.sentence):
        raise NotFound("that sentence does not contain this word")


def _result(recorded: progress_repository.RecordedReview, request: ReviewRequest) -> ReviewResult:
    if recorded.item_key != progress_repository.card_key(request.item_type, request.item_id):
        raise Conflict("this review id was already used for another card")
    return ReviewResult(
        review_id=request.review_id,
        item_type=request.item_type,
        item_id=request.item_id,
        correct=recorded.correct,
        mastery_level=recorded.mastery_level,
        interval_days=recorded.interval_days,
        next_review_date=recorded.next_review_date,
    )


MAX_CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead of ours
MAX_OFFLINE_AGE = timedelta(days=30)  # older answers are from a phone whose clock or queue went wrong
STORED = frozenset({ReviewStatus.APPLIED, ReviewStatus.RECORDED_NOT_APPLIED})  # an answer now in the log


def review_batch(principal: Principal, batch: ReviewBatch, now: datetime) -> ReviewBatchResult:
    """Store answers given offline, in the order they were given, each exactly once and each on its own: one refused
    (a card suspended, an item gone) leaves the others stored. Times out of bounds refuse the whole batch first."""
    _require_plausible_times(batch, now)
    outcomes: dict[str, BatchReviewResult] = {}
    for item in sorted(batch.reviews, key=lambda review: review.answered_at):  # stable: ties keep the sent order
        try:
            done = answer(principal, item, now, offline_at=min(item.answered_at, now))
        except DomainError as refused:
            error = ItemError(code=refused.code, message=refused.message, details=refused.details)
            outcomes[item.review_id] = BatchReviewResult(
                review_id=item.review_id, status=ReviewStatus.ERROR, error=error
            )
            continue
        outcomes[item.review_id] = BatchReviewResult(review_id=item.review_id, status=done.status, result=done.result)
    today = local_day(now, principal.user.timezone)
    if any(
        outcomes[item.review_id].status in STORED and local_day(item.answered_at, principal.user.timezone) == today
        for item in batch.reviews
    ):
        # The streak counts today once; days studied offline before today are not counted afterwards.
        study_calendar.record_study(principal.user, principal.calendar, now)
    return ReviewBatchResult(results=[outcomes[item.review_id] for item in batch.reviews])


def _require_plausible_times(batch: ReviewBatch, now: datetime) -> None:
    problems = [
        {"field": f"body.reviews.{index}.answered_at", "message": problem, "type": "answered_at_out_of_range"}
        for index, item in enumerate(batch.reviews)
        if (problem := _time_problem(item.answered_at, now))
    ]
    if problems:
        raise ValidationFailed("some answer times are out of range; nothing was stored", details=problems)


def _time_problem(answered_at: datetime, now: datetime) -> str | None:
    if answered_at > now + MAX_CLOCK_SKEW:
        return "is in the future"
    if answered_at < now - MAX_OFFLINE_AGE:
        return f"is more than {MAX_OFFLINE_AGE.days} days ago"
    return None


def card_progress_page(
    principal: Principal, item_type: ItemType, limit: int, cursor: str | None, updated_after: datetime | None = None
) -> Page[CardProgress]:
    """The learner's cards in item order, or, with `updated_after`, those changed since then, oldest change first."""
    user = principal.user
    if updated_after is None:
        return progress_repository.cards_page(user.id, item_type, user.leech_threshold, limit, cursor)
    return progress_repository.cards_changed_page(
        user.id, item_type, updated_after, user.leech_threshold, limit, cursor
    )


def review_page(
    principal: Principal, updated_after: datetime | None, limit: int, cursor: str | None
) -> Page[ReviewPublic]:
    return progress_repository.reviews_recorded_page(principal.user.id, updated_after, limit, cursor)


def update_card(
    principal: Principal, item_type: ItemType, item_id: str, change: CardUpdate, now: datetime
) -> CardProgress:
    """Suspend a card (it is never due) or take it back (due again at the date it had)."""
    try:
        card = progress_repository.set_suspended(principal.user.id, item_type, item_id, change.suspended, now)
    except progress_repository.CardBusy as busy:
        raise Conflict("this card is being reviewed elsewhere at the same moment; try again") from busy
    if card is None:
        raise NotFound("you have no card for this item yet: answer it once first")
    return progress_repository.card_progress(card, principal.user.leech_threshold)


def start_session(principal: Principal, request: SessionStart, now: datetime) -> SessionPublic:
    return progress_repository.start_session(principal.user.id, request, now)


def get_session(principal: Principal, session_id: str, now: datetime) -> SessionPublic:
    """A finished session as stored; an open one with its figures so far, counted from its reviews."""
    session = progress_repository.get_session(principal.user.id, session_id)
    if session is None:
        raise NotFound("session not found")
    if session.end_time is not None:
        return session
    totals = progress_repository.session_totals(principal.user.id, session_id, session.start_time, now)
    return session.model_copy(update=vars(totals))


EXP_PER_CORRECT = 10
EXP_PER_ANSWER = 2
EXP_PER_NEW_ITEM = 5


def finish_session(principal: Principal, session_id: str, now: datetime) -> SessionPublic:
    """Close the session once and store its figures, counted from the reviews made in it."""
    session = get_session(principal, session_id, now)
    if session.end_time is not None:
        raise Conflict("this session is already finished")
    total, correct = session.total_questions, session.correct_answers
    summary = progress_repository.SessionSummary(
        total_questions=total,
        correct_answers=correct,
        response_time_total_ms=session.response_time_total_ms,
        new_sentences_learned=session.new_sentences_learned,
        sentences_mastered=session.sentences_mastered,
        sentences_reviewed=session.sentences_reviewed,
        end_time=now,
        duration_minutes=max(0, round((now - session.start_time).total_seconds() / 60)),
        accuracy_percentage=round(100 * correct / total, 1) if total else None,
        average_response_time=round(session.response_time_total_ms / total, 1) if total else None,
        exp_gained=EXP_PER_CORRECT * correct
        + EXP_PER_ANSWER * total
        + EXP_PER_NEW_ITEM * session.new_sentences_learned,
        streak_maintained=total > 0
        or streaks.studied_today(
            principal.calendar.streak, local_day(now, principal.user.timezone), principal.user.timezone
        ),
    )
    if not progress_repository.finish_session(principal.user.id, session_id, summary):
        raise Conflict("this session is already finished")
    return session.model_copy(update=asdict(summary))


FORECAST_DAYS = 7
STATS_DAYS = 30


def dashboard(principal: Principal, now: datetime) -> Dashboard:
    """Four requests whatever the deck's size: the user record read to authenticate, one Query of the stored days
    and the deck summary, today's reviews, and the due dates of the coming week from the due index."""
    user = principal.user
    today = local_day(now, user.timezone)
    stored = progress_repository.stored_figures(user.id, today - timedelta(days=STATS_DAYS - 1))
    days = stored.days | {today: progress_repository.day_stats(user.id, today)}
    horizon = day_start(today + timedelta(days=FORECAST_DAYS + 1), user.timezone) - timedelta(microseconds=1)
    due_dates = progress_repository.due_dates(user.id, horizon)
    due_days = Counter(local_day(due, user.timezone) for due in due_dates)
    day_began = day_start(today, user.timezone)
    overdue = sum(1 for due in due_dates if due < day_began)  # the backlog, from the dates read for the forecast
    last_week = [stats for day, stats in days.items() if day > today - timedelta(days=7)]
    todays = days[today]
    return Dashboard(
        day=today,
        due_now=sum(1 for due in due_dates if due <= now),
        due_today=sum(count for day, count in due_days.items() if day <= today),
        forecast=[
            DayCount(day=today + timedelta(days=offset), count=due_days.get(today + timedelta(days=offset), 0))
            for offset in range(1, FORECAST_DAYS + 1)
        ],
        mastery=stored.cards_per_level,
        retention_7_days=_retention(last_week),
        retention_30_days=_retention(list(days.values())),
        reviews_today=todays.reviews,
        new_items_today=todays.new_items,
        items_added_30_days=sum(d.new_items for d in days.values()),
        study_minutes_30_days=round(sum(d.study_minutes for d in days.values()), 1),
        current_streak_days=streaks.current_streak(principal.calendar.streak, today),
        longest_streak_days=principal.calendar.streak.longest_days,
        streak_freezes=principal.calendar.streak.freezes,
        on_vacation=principal.calendar.streak.vacation_since is not None,
        leeches=progress_repository.leeches(stored.cards_per_lapses, user.leech_threshold),
        leech_threshold=user.leech_threshold,
        overdue=overdue,
        backlog=backlog.suggestion(overdue, user.max_daily_reviews),
    )


def _retention(days: list[DayStats]) -> RetentionFigure:
    reviews = sum(d.reviews for d in days)
    correct = sum(d.correct for d in days)
    return RetentionFigure(reviews=reviews, correct=correct, rate=round(correct / reviews, 3) if reviews else None)


def stats(principal: Principal, now: datetime) -> StudyStats:
    user = principal.user
    today = local_day(now, user.timezone)
    first = today - timedelta(days=STATS_DAYS - 1)
    stored = progress_repository.daily_stats(user.id, first, today - timedelta(days=1))
    stored[today] = progress_repository.day_stats(user.id, today)  # the day in progress, live
    series = [
        stored.get(day) or DayStats(day=day, reviews=0, correct=0, new_items=0, mastered=0, study_minutes=0.0)
        for day in (first + timedelta(days=offset) for offset in range(STATS_DAYS))
    ]
    return StudyStats(
        days=series, total_reviews=sum(d.reviews for d in series), total_correct=sum(d.correct for d in series)
    )
