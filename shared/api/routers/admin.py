from typing import Annotated

from fastapi import APIRouter, Body

from shared.api.deps import AdminUser
from shared.api.errors import errors
from shared.api.params import Cursor, ItemId, PageSize
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page
from shared.schemas.content import ModerationDecision, SentencePublic
from shared.services import admin, moderation

router = APIRouter(prefix="/admin", tags=["admin"], responses=errors(403))

DECISION_EXAMPLES = {
    "approve": {"summary": "Approve", "value": {"approve": True}},
    "reject": {
        "summary": "Reject, with the reason the author sees",
        "value": {"approve": False, "reason": "not natural Japanese"},
    },
}


@router.get("/users", summary="Users, newest first")
def list_users(principal: AdminUser, limit: PageSize = 50, cursor: Cursor = None) -> Page[UserPublic]:
    """Every account, active or not. A cursor works only for the admin it was given to."""
    return admin.list_users(principal, limit, cursor)


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
