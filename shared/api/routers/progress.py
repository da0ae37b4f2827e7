from typing import Literal

from fastapi import APIRouter, status

from shared.api.deps import CurrentUser, Now
from shared.api.params import Cursor, PageSize
from shared.schemas.common import Page
from shared.schemas.progress import (
    CardProgress,
    Dashboard,
    DueReviews,
    ReviewRequest,
    ReviewResult,
    SessionPublic,
    SessionStart,
    StudyStats,
)
from shared.services import progress

router = APIRouter(prefix="/progress", tags=["progress"])
SessionId = str


@router.get("/due", summary="Cards due now (oldest first) and today's new items")
def get_due(principal: CurrentUser, now: Now) -> DueReviews:
    return progress.due(principal, now)


@router.post("/review", summary="Answer one card; retried with the same review_id it counts once")
def post_review(principal: CurrentUser, body: ReviewRequest, now: Now) -> ReviewResult:
    return progress.review(principal, body, now)


@router.get("/sentences", summary="The learner's progress per sentence (or per word with item_type=word)")
def list_progress(
    principal: CurrentUser,
    item_type: Literal["sentence", "word"] = "sentence",
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CardProgress]:
    return progress.card_progress_page(principal, item_type, limit, cursor)


@router.get("/stats", summary="Daily totals of the last 30 days")
def get_stats(principal: CurrentUser, now: Now) -> StudyStats:
    return progress.stats(principal, now)


@router.get("/dashboard", summary="Due counts, 7-day forecast, mastery, retention, streak")
def get_dashboard(principal: CurrentUser, now: Now) -> Dashboard:
    return progress.dashboard(principal, now)


@router.post("/sessions", status_code=status.HTTP_201_CREATED, summary="Start a study session")
def start_session(principal: CurrentUser, body: SessionStart, now: Now) -> SessionPublic:
    return progress.start_session(principal, body, now)


@router.get("/sessions/{session_id}", summary="One of the learner's sessions")
def get_session(principal: CurrentUser, session_id: SessionId) -> SessionPublic:
    return progress.get_session(principal, session_id)


@router.post("/sessions/{session_id}/finish", summary="Finish a session: its accuracy, times and exp")
def finish_session(principal: CurrentUser, session_id: SessionId, now: Now) -> SessionPublic:
    return progress.finish_session(principal, session_id, now)
