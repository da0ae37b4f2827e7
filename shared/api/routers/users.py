from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import HTMLResponse

from shared.api.deps import CurrentUser, Now
from shared.api.errors import errors
from shared.api.params import Cursor, PageSize
from shared.schemas.achievements import AchievementList
from shared.schemas.auth import Message, PreferencesUpdate, UserPublic
from shared.schemas.export import DataExport
from shared.schemas.streaks import StreakHistory, VacationRequest, VacationStatus
from shared.services import achievements, export, profile, streaks, study_calendar

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


@router.put("/me/preferences", summary="Update learning preferences (goals, reviews per day, time zone)")
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


@router.put("/me/vacation", summary="Go on vacation (pause the streak and the due dates) or come back")
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
    responses={200: {"content": {"text/html": {}}, "description": "A page saying reminders are off."}, **errors(400)},
)
def unsubscribe_page(token: UnsubscribeToken, current_time: Now) -> HTMLResponse:
    """The link every reminder carries: opening it turns the learner's reminders off, for good until they turn them
    on again in their preferences."""
    study_calendar.unsubscribe(token, current_time)
    return HTMLResponse(UNSUBSCRIBED_PAGE)


@router.post(
    "/reminders/unsubscribe",
    summary="One-click unsubscribe (RFC 8058) from a reminder's List-Unsubscribe header (no sign-in)",
    responses=errors(400),
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


@router.get("/me/export", summary="Export all of the account's data: a short-lived link to one JSON document")
def export_data(principal: CurrentUser, current_time: Now) -> DataExport:
    """Writes the profile and every item the account owns to one JSON document in storage and returns a link to
    it that expires soon (`expires_at`); each call writes a new document."""
    return export.export_user_data(principal, current_time)
