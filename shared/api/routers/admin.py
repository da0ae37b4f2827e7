from typing import Annotated

from fastapi import APIRouter, Body, Query

from shared.api.deps import AdminUser, Now
from shared.api.errors import errors
from shared.api.params import CalendarDate, Cursor, ItemId, PageSize
from shared.schemas.admin import AccountUpdate, AnalyticsReport, AuditEntry
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page
from shared.schemas.content import ModerationDecision, SentencePublic, WordAvailability, WordAvailabilityChange
from shared.services import admin, analytics, moderation

router = APIRouter(prefix="/admin", tags=["admin"], responses=errors(403))

DECISION_EXAMPLES = {
    "approve": {"summary": "Approve", "value": {"approve": True}},
    "reject": {
        "summary": "Reject, with the reason the author sees",
        "value": {"approve": False, "reason": "not natural Japanese"},
    },
}


@router.get(
    "/analytics",
    summary="System analytics for a range of UTC days (at most 92): activity, reviews, content",
    responses=errors(400),
)
def get_analytics(
    _: AdminUser,
    now: Now,
    first_day: Annotated[
        CalendarDate | None, Query(description="The range's first UTC day; default: 29 days before the last.")
    ] = None,
    last_day: Annotated[CalendarDate | None, Query(description="The range's last UTC day; default: today.")] = None,
) -> AnalyticsReport:
    """Learners active per day, ISO week and month; registrations, reviews and retention (correct / reviews),
    sessions finished, uploads processed and failed, and accounts deleted per day; the content by JLPT level and
    status as it is now. Read from figures kept as the events happen: the same few requests for any number of
    users."""
    return analytics.report(first_day, last_day, now.date())


WORD_EXAMPLES = {
    "withdraw": {"summary": "Withdraw a wrong word", "value": {"is_active": False}},
    "restore": {"summary": "Bring it back", "value": {"is_active": True}},
}


@router.get("/users", summary="Users, newest first")
def list_users(principal: AdminUser, limit: PageSize = 50, cursor: Cursor = None) -> Page[UserPublic]:
    """Every account, active or not. A cursor works only for the admin it was given to."""
    return admin.list_users(principal, limit, cursor)


@router.put(
    "/users/{user_id:id}", summary="Deactivate or reactivate an account, or change its role", responses=errors(404, 409)
)
def update_user(
    principal: AdminUser,
    user_id: ItemId,
    body: Annotated[
        AccountUpdate,
        Body(
            openapi_examples={
                "deactivate": {"summary": "Deactivate", "value": {"is_active": False}},
                "make_admin": {"summary": "Make admin", "value": {"role": "admin"}},
            }
        ),
    ],
    now: Now,
) -> UserPublic:
    """A deactivated account is refused at once (its access and refresh tokens, and its login) and its sessions
    end; reactivated, it logs in again. Removing the last active admin (its role or its activation) is a 409.
    Each change is recorded in the account's audit log; a change to what the account already is records nothing."""
    return admin.update_user(principal, user_id, body, now)


@router.get("/users/{user_id:id}/audit", summary="What administrators did to an account, newest first")
def list_audit(principal: AdminUser, user_id: ItemId, limit: PageSize = 50, cursor: Cursor = None) -> Page[AuditEntry]:
    """Who changed the account's activation or role, and when. A cursor works only for the admin it was given to."""
    return admin.audit_log(principal, user_id, limit, cursor)


@router.get("/sentences/{sentence_id:id}/audit", summary="What administrators did to a sentence, newest first")
def list_sentence_audit(
    principal: AdminUser, sentence_id: ItemId, limit: PageSize = 50, cursor: Cursor = None
) -> Page[AuditEntry]:
    """Approvals, rejections, and edits or deletions of a learner's sentence by an admin, each with who and when."""
    return admin.audit_log(principal, sentence_id, limit, cursor)


@router.get("/sentences/pending", summary="Sentences waiting for moderation, oldest first")
def list_pending_sentences(principal: AdminUser, limit: PageSize = 50, cursor: Cursor = None) -> Page[SentencePublic]:
    """Learners' new and changed sentences, in the order they arrived."""
    return moderation.pending_sentences(principal, limit, cursor)


@router.put(
    "/sentences/{sentence_id:id}/approve",
    summary="Approve, or reject with a reason, a pending sentence",
    responses=errors(409),
)
def decide_sentence(
    principal: AdminUser,
    sentence_id: ItemId,
    body: Annotated[ModerationDecision, Body(openapi_examples=DECISION_EXAMPLES)],
) -> SentencePublic:
    """A rejection needs a `reason` (3 to 500 characters). A sentence that is not pending is a 409."""
    return moderation.decide(principal, sentence_id, body)


@router.put(
    "/vocabulary/{word_id:id}/availability",
    summary="Withdraw a vocabulary word, or bring it back",
    responses=errors(404, 409),
)
def set_word_availability(
    principal: AdminUser, word_id: ItemId, body: Annotated[WordAvailabilityChange, Body(openapi_examples=WORD_EXAMPLES)]
) -> WordAvailability:
    """Withdrawn (`is_active` false), a word leaves the listings and cannot start as a new card; learners' cards of it
    wait unshown in their due lists, and the vocabulary sync hands it out as a tombstone. Each change is audited."""
    return moderation.set_word_availability(principal, word_id, body)


@router.get("/vocabulary/{word_id:id}/audit", summary="What administrators did to a vocabulary word, newest first")
def list_word_audit(
    principal: AdminUser, word_id: ItemId, limit: PageSize = 50, cursor: Cursor = None
) -> Page[AuditEntry]:
    """Withdrawals and restorations of the word, each with who and when."""
    return admin.audit_log(principal, word_id, limit, cursor)
