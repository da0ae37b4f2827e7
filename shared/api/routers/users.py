from typing import Annotated

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import HTMLResponse, JSONResponse

from shared.api.deps import CurrentUser, Now
from shared.api.errors import errors
from shared.api.params import Cursor, ItemId, PageSize
from shared.schemas.achievements import AchievementList
from shared.schemas.auth import Message, PreferencesUpdate, UserPublic
from shared.schemas.export import AccountDeletionRequest, DataExport, ExportJob, ExportStarted
from shared.schemas.streaks import StreakHistory, VacationRequest, VacationStatus
from shared.services import achievements, profile, streaks, study_calendar

# The data export and the account's deletion (shared.services.export, .account_jobs: jobs, queues, storage links and
# their schemas) are imported by the three routes that use them, seldom called, rather than at every cold start.

router = APIRouter(prefix="/users", tags=["users"])

PREFERENCES_EXAMPLES = {
    "limits": {
        "summary": "A daily goal and limits",
        "value": {"daily_goal_minutes": 20, "max_daily_reviews": 150, "max_daily_new_items": 10},
    },
    "timezone": {"summary": "Move to another time zone", "value": {"timezone": "Europe/Berlin"}},
    "reminders": {
        "summary": "Study reminders at 07:30",
        "value": {"study_reminders": True, "preferred_learning_time": "07:30"},
    },
}
DELETION_EXAMPLES = {
    "delete": {"summary": "Delete my account", "value": {"password": "kumo-to-ame-42", "confirm": "delete my account"}}
}
VACATION_EXAMPLES = {
    "away": {"summary": "Go on vacation now", "value": {"active": True}},
    "back": {"summary": "Come back now", "value": {"active": False}},
}
UnsubscribeToken = Annotated[
    str,
    Query(
        min_length=10,
        max_length=120,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="The `token` of the link in a reminder e-mail.",
    ),
]


@router.put(
    "/me/preferences",
    summary="Update learning preferences (goals, reviews per day, time zone, reminders)",
    responses=errors(409),
)
def update_preferences(
    principal: CurrentUser,
    body: Annotated[PreferencesUpdate, Body(openapi_examples=PREFERENCES_EXAMPLES)],
    current_time: Now,
) -> UserPublic:
    """Omitted or null fields stay as they are. `timezone` is an IANA time zone name such as `Asia/Tokyo`: the
    learner's day, streak and daily limits begin at its midnight. With `study_reminders` on (the default), a
    learner whose address is confirmed gets one e-mail at `preferred_learning_time` (local; 19:00 unless set) on a
    day with reviews due and no study yet, never during a vacation."""
    return profile.update_preferences(principal, body, current_time)


@router.put(
    "/me/vacation",
    summary="Go on vacation (pause the streak and the due dates) or come back",
    responses=errors(409),
)
def set_vacation(
    principal: CurrentUser,
    body: Annotated[VacationRequest, Body(openapi_examples=VACATION_EXAMPLES)],
    current_time: Now,
) -> VacationStatus:
    """While on vacation the streak neither grows nor breaks and no reminder is sent. On coming back, every card
    that fell due during the vacation is moved later by its length (`cards_moved`), and the streak goes on if the
    learner studies that day. Asking for the state the learner is in changes nothing."""
    return study_calendar.set_vacation(principal.user, principal.calendar, body.active, current_time)


@router.get(
    "/reminders/unsubscribe",
    summary="Turn study reminders off from the link in a reminder e-mail (no sign-in)",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "A page saying reminders are off."},
        **errors(400, 409),
    },
)
def unsubscribe_page(token: UnsubscribeToken, current_time: Now) -> HTMLResponse:
    """The link every reminder carries: opening it turns the learner's reminders off, for good until they turn them
    on again in their preferences."""
    study_calendar.unsubscribe(token, current_time)
    return HTMLResponse(UNSUBSCRIBED_PAGE)


@router.post(
    "/reminders/unsubscribe",
    summary="One-click unsubscribe (RFC 8058) from a reminder's List-Unsubscribe header (no sign-in)",
    responses=errors(400, 409),
)
def unsubscribe_one_click(token: UnsubscribeToken, current_time: Now) -> Message:
    """What a mail client posts (`List-Unsubscribe=One-Click`) when the learner presses its unsubscribe button."""
    study_calendar.unsubscribe(token, current_time)
    return Message(message=UNSUBSCRIBED)


UNSUBSCRIBED = "Study reminders are off. You can turn them on again in the app's preferences."
UNSUBSCRIBED_PAGE = (
    f"<!doctype html><html lang=en><meta charset=utf-8><title>Kotoba: reminders off</title><p>{UNSUBSCRIBED}</p></html>"
)


@router.get("/me/streaks", summary="The current study streak and past streaks, newest first")
def list_streaks(
    principal: CurrentUser,
    current_time: Now,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> StreakHistory:
    """A streak is a run of consecutive days of the learner's calendar with at least one review; each past one
    comes with its totals and milestones."""
    return streaks.streak_history(principal.user, principal.calendar.streak, current_time, limit, cursor)


@router.get(
    "/me/achievements",
    summary="Achievements with the learner's progress; records any just completed (newly_completed marks them)",
)
def list_achievements(principal: CurrentUser, current_time: Now) -> AchievementList:
    """Every achievement of the catalogue with the learner's count towards it. One completed since the last
    call is recorded now and marked `newly_completed` this once."""
    return achievements.achievements_for(principal, current_time)


@router.get(
    "/me/export",
    summary="Export all of the account's data: a short-lived link to one JSON document (202: a job, for a large one)",
    response_model=DataExport,
    responses={202: {"model": ExportStarted, "description": "A large history: a job writes the document."}},
)
def export_data(principal: CurrentUser, current_time: Now) -> DataExport | JSONResponse:
    """Writes the profile and every item the account owns to one JSON document in storage and returns a link to
    it that expires soon (`expires_at`); each call writes a new document. A history too large to write within the
    request (more than 20,000 reviews) is written by a background job: the answer is then a 202 with the job, to
    follow at `status_url` until it is `completed`."""
    from shared.services import export

    exported = export.export_user_data(principal.user, current_time)
    if isinstance(exported, ExportStarted):
        return JSONResponse(exported.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    return exported


@router.get("/me/export/{job_id:id}", summary="An export job: its status and, once completed, the link")
def export_job(principal: CurrentUser, job_id: ItemId, current_time: Now) -> ExportJob:
    """Only the caller's own export jobs; each answer of a completed one carries a fresh short-lived link."""
    from shared.services import export

    return export.export_job(principal.user, job_id, current_time)


@router.delete(
    "/me",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Delete the account and everything it holds (the password asked again)",
    responses=errors(403, 409, 429),
)
def delete_account(
    principal: CurrentUser,
    body: Annotated[AccountDeletionRequest, Body(openapi_examples=DELETION_EXAMPLES)],
    current_time: Now,
) -> Message:
    """Closes the account at once (every session ends; it cannot sign in again) and erases, within minutes, every
    item it holds in every table and its photos, recordings and exports. Its approved sentences stay, for others
    studying them, without the link to it; the others go. A wrong password is a 403 (counted like a failed login);
    the last active administrator cannot go (409)."""
    from shared.services import account_jobs

    return account_jobs.request_deletion(principal, body, current_time)
