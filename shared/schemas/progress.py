"""What the study loop reads and returns: due cards, reviews, progress, sessions and the dashboard."""

from collections import Counter
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictInt, model_validator

from shared.enums import JobStatus, MasteryLevel, SessionType
from shared.schemas.common import ApiModel, ItemError, Moment, PublicModel
from shared.schemas.content import SentencePublic, VocabularyWordPublic

ItemType = Literal["sentence", "word"]
RatingName = Literal["again", "hard", "good", "easy"]
ClientId = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class ReviewRequest(ApiModel):
    """One answer, graded with exactly one of `rating` or `quality` (a null one counts as not given).
    `review_id` is made by the phone (a UUID): a retried request with it counts once."""

    # The rule `_one_grade` checks, stated for clients: one grade present and not null, the other absent or null.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["rating"], "properties": {"rating": {"type": "string"}, "quality": {"type": "null"}}},
                {"required": ["quality"], "properties": {"quality": {"type": "integer"}, "rating": {"type": "null"}}},
            ]
        }
    )

    review_id: str = ClientId
    item_type: ItemType
    item_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9a-fA-F-]+$")
    rating: RatingName | None = Field(default=None, description="FSRS-style grade.")
    quality: StrictInt | None = Field(default=None, ge=0, le=5, description="SM-2 grade 0-5, instead of `rating`.")
    response_time_ms: StrictInt | None = Field(default=None, ge=0, le=600_000)
    session_id: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    learned_from_sentence_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[0-9a-fA-F-]+$",
        description="With a word's first answer: the sentence it was learned from (its words: GET "
        "/learning/sentences/{id}/vocabulary), kept on the learner's card. The sentence must contain the word (else "
        "404). Ignored once the card exists.",
    )

    @model_validator(mode="after")
    def _one_grade(self) -> "ReviewRequest":
        if (self.rating is None) == (self.quality is None):
            raise ValueError("give exactly one of `rating` (again/hard/good/easy) or `quality` (0-5)")
        if self.learned_from_sentence_id is not None and self.item_type != "word":
            raise ValueError("`learned_from_sentence_id` goes with a word's answer (item_type word)")
        return self


class ReviewResult(PublicModel):
    review_id: str
    item_type: ItemType
    item_id: str
    correct: bool
    mastery_level: MasteryLevel
    interval_days: float = Field(
        description="Days to the next review. From 3 days on, load balanced: a day of the scheduler's fuzz range, "
        "drawn to favour the days with the fewest reviews due, off the learner's `easy_days` and the days a sibling "
        "(the sentence, or a word learned from it) is due, where it can be."
    )
    next_review_date: datetime


MAX_BATCH_REVIEWS = 100


class OfflineReview(ReviewRequest):
    """One answer given while the phone was offline, sent later with the real time it was given."""

    answered_at: Moment = Field(
        description="When the learner answered, with its UTC offset: at most a few minutes ahead of the server's "
        "clock and at most 30 days old."
    )


class ReviewBatch(ApiModel):
    reviews: list[OfflineReview] = Field(min_length=1, max_length=MAX_BATCH_REVIEWS)

    @model_validator(mode="after")
    def _unique_review_ids(self) -> "ReviewBatch":
        repeated = sorted(review_id for review_id, n in Counter(r.review_id for r in self.reviews).items() if n > 1)
        if repeated:
            raise ValueError(f"each review_id may appear once in a batch: {', '.join(repeated)} repeat")
        return self


class ReviewStatus(StrEnum):
    APPLIED = "applied"  # stored and the card moved on
    DUPLICATE = "duplicate"  # this review id was stored before (a replay): nothing changed
    RECORDED_NOT_APPLIED = "recorded_not_applied"  # older than the card's last review: logged, the card kept
    ERROR = "error"  # refused; `error` says why, and the other reviews of the batch are not affected


class BatchReviewResult(PublicModel):
    review_id: str
    status: ReviewStatus
    result: ReviewResult | None = Field(default=None, description="The card's schedule; absent on an error.")
    error: ItemError | None = Field(default=None, description="Why it was refused; only on an error.")


class ReviewBatchResult(PublicModel):
    results: list[BatchReviewResult] = Field(description="One per review, in the order they were sent.")


class CardProgress(PublicModel):
    item_type: ItemType
    item_id: str
    mastery_level: MasteryLevel
    next_review_date: datetime
    interval_days: float
    easiness_factor: float
    repetition_count: int
    total_attempts: int
    correct_attempts: int
    lapses: int
    last_reviewed_date: datetime | None = None
    average_response_time: float | None = None
    is_leech: bool = Field(description="Lapsed at least the learner's `leech_threshold` times.")
    suspended: bool = Field(description="Taken out of study by the learner: never due until taken back.")
    suspended_at: datetime | None = None
    learned_from_sentence_id: str | None = Field(
        default=None, description="A word card's sentence it was learned from, where its first answer named one."
    )
    updated_at: datetime = Field(description="When the card last changed: what `updated_after` compares.")


class ReviewPublic(PublicModel):
    """One stored answer, as another of the learner's devices syncs it."""

    review_id: str
    item_type: ItemType
    item_id: str
    answered_at: datetime = Field(description="When the learner answered (earlier than stored for offline answers).")
    recorded_at: datetime = Field(description="When it was stored: what `updated_after` compares.")
    algorithm: str
    rating: int = Field(description="The grade as scheduled: 1 again, 2 hard, 3 good, 4 easy.")
    quality: int | None = None
    correct: bool
    response_time_ms: int | None = None
    session_id: str | None = None
    mastery_level: MasteryLevel = Field(description="The card's level after this answer.")
    interval_days: float
    next_review_date: datetime


class CardUpdate(ApiModel):
    """What the learner may change on one of their cards."""

    suspended: StrictBool = Field(
        description="true takes the card out of study (it is never due); false brings it back at its due date."
    )


class StudyCard(PublicModel):
    """A card to study now: its progress (absent for a new item) and the content to show."""

    progress: CardProgress | None = None
    sentence: SentencePublic | None = None
    word: VocabularyWordPublic | None = None


class DueReviews(PublicModel):
    day: date = Field(description="Today in the learner's time zone.")
    due: list[StudyCard] = Field(description="Cards due now, oldest due first.")
    new: list[StudyCard] = Field(description="New sentences, up to what is left of today's new-item limit.")
    reviews_left_today: int
    new_left_today: int


class SessionStart(ApiModel):
    session_type: SessionType = SessionType.REVIEW
    device_type: str | None = Field(default=None, max_length=20)
    study_mode: str | None = Field(default=None, max_length=20)


class SessionPublic(PublicModel):
    id: str = Field(validation_alias="session_id")
    session_type: SessionType
    start_time: datetime
    end_time: datetime | None = None
    duration_minutes: int | None = None
    total_questions: int
    correct_answers: int
    accuracy_percentage: float | None = None
    average_response_time: float | None = None
    sentences_reviewed: list[str]
    new_sentences_learned: int
    sentences_mastered: int
    exp_gained: int
    streak_maintained: bool
    device_type: str | None = None
    study_mode: str | None = None
    response_time_total_ms: int = Field(default=0, exclude=True)  # for the average at finish; not shown


class DayCount(PublicModel):
    day: date
    count: int


class RetentionFigure(PublicModel):
    reviews: int
    correct: int
    rate: float | None = Field(description="Share of reviews answered correctly; null without reviews.")


MAX_SPREAD_DAYS = 30
MAX_KEPT_CARDS = 1000  # the highest daily review limit a learner may set


class BacklogPostpone(ApiModel):
    """Postpone the overdue cards that lose least by waiting, all but the `keep` most urgent."""

    action: Literal["postpone"]
    keep: StrictInt | None = Field(
        default=None,
        ge=0,
        le=MAX_KEPT_CARDS,
        description="Overdue cards left due now, the most urgent (default: the learner's `max_daily_reviews`).",
    )


class BacklogSpread(ApiModel):
    """Spread every overdue card evenly over the next `days` days, today included, the most urgent first."""

    action: Literal["spread"]
    days: StrictInt = Field(ge=1, le=MAX_SPREAD_DAYS)


BacklogRequest = Annotated[BacklogPostpone | BacklogSpread, Field(discriminator="action")]


class BacklogResult(PublicModel):
    """A backlog recovered within the request."""

    action: Literal["postpone", "spread"]
    overdue_before: int = Field(description="Cards overdue (due before today began) when it started.")
    moved: int = Field(description="Cards given a new due date.")
    skipped: int = Field(description="Cards answered or suspended meanwhile, left as they were.")
    overdue_after: int


class BacklogStarted(PublicModel):
    """A backlog too large for one request: a background job moves the cards."""

    job_id: str
    status: JobStatus
    status_url: str = Field(description="Ask here (GET) until `status` is `completed`.")


class BacklogJob(PublicModel):
    job_id: str
    status: JobStatus
    created_at: datetime
    action: Literal["postpone", "spread"]
    moved: int = Field(description="Cards given a new due date so far.")
    skipped: int = Field(description="Cards answered or suspended meanwhile, left as they were.")
    error: str | None = Field(default=None, description="Why it failed, when it did.")


class BacklogSuggestion(PublicModel):
    message: str = Field(description="What the app may show the learner.")
    action: BacklogPostpone | BacklogSpread | None = Field(
        default=None, description="The body to send to `POST /progress/backlog` to follow it; none when not needed."
    )


class Dashboard(PublicModel):
    day: date
    due_now: int
    due_today: int
    forecast: list[DayCount] = Field(description="Reviews falling due on each of the next 7 days.")
    mastery: dict[MasteryLevel, int]
    retention_7_days: RetentionFigure
    retention_30_days: RetentionFigure
    reviews_today: int
    new_items_today: int
    items_added_30_days: int
    study_minutes_30_days: float
    current_streak_days: int
    longest_streak_days: int
    streak_freezes: int = Field(description="Streak freezes held: each covers one missed day (see /users/me/streaks).")
    on_vacation: bool = Field(description="The streak and the due dates are paused (PUT /users/me/vacation).")
    leeches: int = Field(description="Cards lapsed at least `leech_threshold` times, suspended ones included.")
    leech_threshold: int
    overdue: int = Field(description="Cards that fell due before today began: the backlog (`POST /progress/backlog`).")
    backlog: BacklogSuggestion


class DayStats(PublicModel):
    day: date
    reviews: int
    correct: int
    new_items: int
    mastered: int
    study_minutes: float


class StudyStats(PublicModel):
    days: list[DayStats] = Field(description="The last 30 days of the learner's calendar, oldest first.")
    total_reviews: int
    total_correct: int


class FitFigures(PublicModel):
    fitted_at: datetime = Field(description="When the last fit ran (whether or not it changed the parameters).")
    reviews: int = Field(description="Reviews in the log it read.")
    training_reviews: int = Field(description="Of them, those it trained on: a day or more after the card's previous.")
    log_loss_before: float | None = Field(
        default=None, description="Of the parameters in use before it, on its training reviews (lower is better)."
    )
    log_loss_after: float | None = Field(default=None, description="Of the parameters in use after it, on the same.")


class FitJob(PublicModel):
    job_id: str
    status: JobStatus
    queued_at: datetime


class SchedulerStatus(PublicModel):
    """The learner's FSRS scheduler: their parameters (fitted to their own reviews, or the defaults) and retention."""

    algorithm: Literal["fsrs", "sm2"] = Field(description="The algorithm in use; the rest applies to FSRS.")
    parameters: list[float] = Field(description="The 21 FSRS-6 weights in use.")
    personalized: bool = Field(description="True: fitted to the learner's reviews; false: the defaults.")
    min_training_reviews: int = Field(
        description="Reviews a day or more after the card's previous one that a fit needs; below it, the defaults."
    )
    last_fit: FitFigures | None = Field(default=None, description="Absent until a fit has run.")
    desired_retention: float = Field(description="The learner's choice (preferences), 0.70-0.97.")
    recommended_retention: float | None = Field(
        default=None, description="The fit's least study time per card remembered; absent without enough reviews."
    )
    expected_daily_reviews: float = Field(
        description="Cards a day (new ones included) at `desired_retention` for a learner adding `max_daily_new_items` "
        "a day, simulated with these parameters: the mean of the 30 days after the first six months of study."
    )
    fit_job: FitJob | None = Field(default=None, description="A fit queued or running now.")
