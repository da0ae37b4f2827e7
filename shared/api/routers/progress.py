from typing import Annotated, Literal

from fastapi import APIRouter, Body, status
from fastapi.responses import JSONResponse

from shared.api.deps import CurrentUser, Now
from shared.api.errors import errors
from shared.api.params import Cursor, ItemId, PageSize, UpdatedAfter
from shared.schemas.common import Page
from shared.schemas.progress import (
    BacklogJob,
    BacklogRequest,
    BacklogResult,
    BacklogStarted,
    CardProgress,
    CardUpdate,
    Dashboard,
    DueReviews,
    FitJob,
    ItemType,
    ReviewBatch,
    ReviewBatchResult,
    ReviewPublic,
    ReviewRequest,
    ReviewResult,
    SchedulerStatus,
    SessionPublic,
    SessionStart,
    StudyStats,
)
from shared.services import backlog, progress, scheduler

router = APIRouter(prefix="/progress", tags=["progress"])

REVIEW_EXAMPLES = {
    "rating": {
        "summary": "An FSRS-style grade",
        "value": {
            "review_id": "5b0f3c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f",
            "item_type": "sentence",
            "item_id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
            "rating": "good",
            "response_time_ms": 3200,
        },
    },
    "quality": {
        "summary": "An SM-2 grade, within a session",
        "value": {
            "review_id": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
            "item_type": "word",
            "item_id": "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
            "quality": 4,
            "session_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
        },
    },
}
SESSION_EXAMPLES = {
    "review": {"summary": "A review session on a phone", "value": {"session_type": "review", "device_type": "ios"}},
    "quiz": {"summary": "A quiz", "value": {"session_type": "quiz", "study_mode": "listening"}},
}


@router.get("/due", summary="Cards due now (oldest first) and today's new items")
def get_due(principal: CurrentUser, now: Now) -> DueReviews:
    """Both lists are capped by what is left of the learner's daily limits (`max_daily_reviews`,
    `max_daily_new_items`), counted in the learner's time zone."""
    return progress.due(principal, now)


@router.post(
    "/review",
    summary="Answer one card; retried with the same review_id it counts once",
    responses=errors(404, 409),
)
def review_card(
    principal: CurrentUser, body: Annotated[ReviewRequest, Body(openapi_examples=REVIEW_EXAMPLES)], now: Now
) -> ReviewResult:
    """Give exactly one of `rating` or `quality`. A retry with the same `review_id` returns the first answer's
    result; the same `review_id` for another card is a 409, as is a card answered elsewhere at the same moment.
    An item that is not an approved sentence or a word, or a `session_id` that is unknown or finished, is a 404."""
    return progress.review(principal, body, now)


BATCH_EXAMPLES = {
    "offline": {
        "summary": "Two answers given on a train, sent when the phone came back online",
        "value": {
            "reviews": [
                {
                    "review_id": "5b0f3c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f",
                    "item_type": "sentence",
                    "item_id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
                    "rating": "good",
                    "response_time_ms": 3200,
                    "answered_at": "2026-11-24T08:15:03+09:00",
                },
                {
                    "review_id": "6a1e2f3d-4c5b-4a69-8d7e-2b3c4d5e6f70",
                    "item_type": "word",
                    "item_id": "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
                    "rating": "again",
                    "answered_at": "2026-11-24T08:15:41+09:00",
                },
            ]
        },
    }
}


@router.post(
    "/reviews:batch",
    summary="Answers given offline, up to 100: stored in answer-time order, each once, each with its own result",
)
def review_batch(
    principal: CurrentUser, body: Annotated[ReviewBatch, Body(openapi_examples=BATCH_EXAMPLES)], now: Now
) -> ReviewBatchResult:
    """Each review is one `POST /progress/review` with the time it was really answered (`answered_at`), and is
    stored in the order of those times whatever the order sent. Each has its result, in the order sent: `applied`;
    `duplicate` (its `review_id` was stored before: sending a batch again changes nothing); `recorded_not_applied`
    (answered before the card's last review: kept in the log and the day's figures, the card does not go back);
    `error`, with the error's `code` and `message` (a 404 or 409 of the single call), the others being stored.
    A batch whose body is not valid (over 100 reviews, a `review_id` twice, an answer more than 5 minutes ahead of
    the server's clock or more than 30 days old) is a 422 and nothing is stored. Today's answers count for the
    streak; days studied offline before today are not counted afterwards."""
    return progress.review_batch(principal, body, now)


@router.get("/sentences", summary="The learner's progress per sentence (or per word with item_type=word)")
def list_cards(
    principal: CurrentUser,
    item_type: Literal["sentence", "word"] = "sentence",
    limit: PageSize = 50,
    cursor: Cursor = None,
    updated_after: UpdatedAfter = None,
) -> Page[CardProgress]:
    """Every card the learner has answered at least once, with its schedule and counts; with `updated_after`, only
    those changed since (answered, suspended, taken back, moved by a vacation), oldest change first. A card is
    deleted only with the account, so this list has no tombstones."""
    return progress.card_progress_page(principal, item_type, limit, cursor, updated_after)


@router.get("/reviews", summary="The learner's answers in the order they were stored, or those stored since a moment")
def list_reviews(
    principal: CurrentUser, limit: PageSize = 50, cursor: Cursor = None, updated_after: UpdatedAfter = None
) -> Page[ReviewPublic]:
    """Answers are never changed or deleted (except with the account): `updated_after` returns those stored since,
    including answers sent later by an offline device with an earlier `answered_at`."""
    return progress.review_page(principal, updated_after, limit, cursor)


@router.put(
    "/cards/{item_type}/{item_id:id}",
    summary="Suspend one of the learner's cards, or take it back into study",
    responses=errors(404, 409),
)
def update_card(
    principal: CurrentUser,
    item_type: ItemType,
    item_id: ItemId,
    body: Annotated[
        CardUpdate,
        Body(
            openapi_examples={
                "suspend": {"summary": "Take the card out of study", "value": {"suspended": True}},
                "take_back": {"summary": "Bring it back at its due date", "value": {"suspended": False}},
            }
        ),
    ],
    now: Now,
) -> CardProgress:
    """A suspended card (a leech, say: `is_leech` in the list) is never due and cannot be answered (409) until it
    is taken back, when it is due at the date it had. Setting the state it already has changes nothing. A card
    the learner has never answered is a 404."""
    return progress.update_card(principal, item_type, item_id, body, now)


@router.get("/stats", summary="Daily totals of the last 30 days")
def get_stats(principal: CurrentUser, now: Now) -> StudyStats:
    """Days of the learner's calendar, oldest first, days without study included."""
    return progress.stats(principal, now)


@router.get("/dashboard", summary="Due counts, 7-day forecast, mastery, retention, streak")
def get_dashboard(principal: CurrentUser, now: Now) -> Dashboard:
    """The same amount of work whatever the size of the deck."""
    return progress.dashboard(principal, now)


BACKLOG_EXAMPLES = {
    "spread": {"summary": "Spread the overdue cards over a week", "value": {"action": "spread", "days": 7}},
    "postpone": {"summary": "Postpone all but the 100 most urgent", "value": {"action": "postpone", "keep": 100}},
}


@router.post(
    "/backlog",
    summary="After a break: postpone the overdue cards, or spread them over days (202: a job, for a large backlog)",
    response_model=BacklogResult,
    responses={202: {"model": BacklogStarted, "description": "A large backlog: a job moves the cards."}, **errors(409)},
)
def recover_backlog(
    principal: CurrentUser, body: Annotated[BacklogRequest, Body(openapi_examples=BACKLOG_EXAMPLES)], now: Now
) -> BacklogResult | JSONResponse:
    """Overdue cards fell due before the learner's day began; those due later today are left as they are.
    `postpone` moves all but the `keep` most urgent (default: `max_daily_reviews`), those that lose least by waiting
    (the highest recall probability, the longest stability) first, each by 7.5 % of its interval, at least a day;
    cards still in learning stay. `spread` gives every overdue card a day among the next `days` (today included), an
    even share a day, the most urgent (the lowest recall probability) first. The rules are the FSRS Helper add-on's for
    Anki. Sending the same request again changes nothing more: the cards moved are no longer overdue. Up to 200
    overdue cards are moved within the request; more, by a job: a 202 with the job, to follow at `status_url`; while
    it runs, the same request returns it again and a different one is a 409. A card answered meanwhile keeps its
    answer's date (`skipped`)."""
    recovered = backlog.recover(principal, body, now)
    if isinstance(recovered, BacklogStarted):
        return JSONResponse(recovered.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    return recovered


@router.get("/backlog/{job_id:id}", summary="A backlog recovery job: its status and the cards it has moved")
def backlog_job(principal: CurrentUser, job_id: ItemId) -> BacklogJob:
    """Only the caller's own recovery jobs; any other id is a 404."""
    return backlog.backlog_job(principal, job_id)


@router.get("/scheduler", summary="The learner's FSRS parameters, desired retention and expected workload")
def get_scheduler(principal: CurrentUser) -> SchedulerStatus:
    """The parameters in use: fitted to the learner's own reviews once they have `min_training_reviews` of them
    (a fit runs after every 500 new reviews, at most weekly, or when asked for), else the defaults. The retention
    is set in the preferences (`PUT /users/me/preferences`, `desired_retention`, 0.70-0.97)."""
    return scheduler.status(principal)


@router.post(
    "/scheduler/optimize",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a fit of the learner's FSRS parameters to their reviews",
)
def optimize_scheduler(principal: CurrentUser, now: Now) -> FitJob:
    """A background job: its result shows in `GET /progress/scheduler` (`last_fit`) once done, and the reviews after
    it are scheduled with it. One fit at a time per learner: while one is queued or running, that one is returned."""
    return scheduler.request_fit(principal, now)


@router.post("/sessions", status_code=status.HTTP_201_CREATED, summary="Start a study session")
def start_session(
    principal: CurrentUser, body: Annotated[SessionStart, Body(openapi_examples=SESSION_EXAMPLES)], now: Now
) -> SessionPublic:
    """Pass the session's `id` as `session_id` with each review to count the answers in it."""
    return progress.start_session(principal, body, now)


@router.get("/sessions/{session_id:id}", summary="One of the learner's sessions")
def get_session(principal: CurrentUser, session_id: ItemId, now: Now) -> SessionPublic:
    """Only the caller's own sessions; any other id is a 404. An open session's figures are counted so far."""
    return progress.get_session(principal, session_id, now)


@router.post(
    "/sessions/{session_id:id}/finish",
    summary="Finish a session: its accuracy, times and exp",
    responses=errors(409),
)
def finish_session(principal: CurrentUser, session_id: ItemId, now: Now) -> SessionPublic:
    """Closes the session once and computes its figures; finishing it again is a 409."""
    return progress.finish_session(principal, session_id, now)
