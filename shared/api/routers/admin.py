from fastapi import APIRouter

from shared.api.deps import AdminUser
from shared.api.params import Cursor, ItemId, PageSize
from shared.schemas.auth import UserPublic
from shared.schemas.common import Page
from shared.schemas.content import ModerationDecision, SentencePublic
from shared.services import admin, moderation

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users", summary="Users, newest first")
def list_users(principal: AdminUser, limit: PageSize = 50, cursor: Cursor = None) -> Page[UserPublic]:
    return admin.list_users(principal, limit, cursor)


@router.get("/sentences/pending", summary="Sentences waiting for moderation, oldest first")
def pending_sentences(principal: AdminUser, limit: PageSize = 50, cursor: Cursor = None) -> Page[SentencePublic]:
    return moderation.pending_sentences(principal, limit, cursor)


@router.put("/sentences/{sentence_id}/approve", summary="Approve, or reject with a reason, a pending sentence")
def decide_sentence(principal: AdminUser, sentence_id: ItemId, body: ModerationDecision) -> SentencePublic:
    return moderation.decide(principal, sentence_id, body)
