"""Learners' own sentences and their moderation, and administrators withdrawing vocabulary words.

A learner's sentence waits as PENDING until an admin approves it; an admin's is ACTIVE at once. Only its
author or an admin may change or delete a sentence; an author's change to an approved sentence sends it
back to moderation. Deleting is soft (status DELETED): reviews and progress that point at it stay valid.
"""

from shared.dal import content_repository
from shared.dal.audit_repository import AdminAction
from shared.enums import ModerationStatus
from shared.errors import Conflict, NotAllowed, NotFound
from shared.schemas.admin import AuditAction
from shared.schemas.common import Page
from shared.schemas.content import (
    ModerationDecision,
    SentenceCreate,
    SentenceFilters,
    SentencePublic,
    SentenceUpdate,
    WordAvailability,
    WordAvailabilityChange,
)
from shared.services.auth import Principal


def create_sentence(principal: Principal, request: SentenceCreate) -> SentencePublic:
    status = ModerationStatus.ACTIVE if principal.is_admin else ModerationStatus.PENDING
    reviewer = principal.user.id if principal.is_admin else None
    # Readings left out are filled by the readings worker from the table's stream, right after this write.
    return content_repository.create_sentence(request.model_dump(), status, principal.user.id, reviewer)


def _editable(principal: Principal, sentence_id: str) -> SentencePublic:
    sentence = content_repository.get_sentence(sentence_id)
    if sentence is None or sentence.status == ModerationStatus.DELETED:
        raise NotFound("sentence not found")
    if not principal.is_admin and sentence.created_by != principal.user.id:
        if sentence.status != ModerationStatus.ACTIVE:
            raise NotFound("sentence not found")  # someone else's pending sentence is not visible at all
        raise NotAllowed("only its author or an admin may change this sentence")
    return sentence


def update_sentence(principal: Principal, sentence_id: str, request: SentenceUpdate) -> SentencePublic:
    sentence = _editable(principal, sentence_id)
    changes: dict[str, object] = request.model_dump(exclude_unset=True)
    if "japanese_text" in changes and changes["japanese_text"] != sentence.japanese_text:
        # New text, old readings and gloss would be wrong: drop those not given, so the worker reads the new text.
        changes.setdefault("hiragana_reading", None)
        changes.setdefault("romaji_reading", None)
        changes["word_gloss"] = None
        changes["gloss_source"] = None
        if _tags_from_gloss(sentence):
            changes.setdefault("vocabulary_tags", [])  # the worker's tags of the old words: it tags the new ones
    if not principal.is_admin and sentence.status != ModerationStatus.PENDING:
        changes["status"] = ModerationStatus.PENDING
    updated = content_repository.update_sentence(
        sentence_id, changes, audit=_admin_action(principal, sentence, "edit_sentence")
    )
    if updated is None:
        raise Conflict("the sentence changed while you edited it; load it again")
    return updated


def _tags_from_gloss(sentence: SentencePublic) -> bool:
    """Whether the sentence's vocabulary tags are the ones the readings worker gave it (its gloss's words)."""
    if not sentence.word_gloss or not sentence.vocabulary_tags:
        return False
    glossed = dict.fromkeys(word.dictionary_form for word in sentence.word_gloss if word.word_id)
    return sentence.vocabulary_tags == list(glossed)[: len(sentence.vocabulary_tags)]


def delete_sentence(principal: Principal, sentence_id: str) -> None:
    sentence = _editable(principal, sentence_id)
    deleted = content_repository.update_sentence(
        sentence_id, {"status": ModerationStatus.DELETED}, audit=_admin_action(principal, sentence, "delete_sentence")
    )
    if deleted is None:
        raise Conflict("the sentence changed meanwhile; try again")


def _admin_action(principal: Principal, sentence: SentencePublic, action: AuditAction) -> AdminAction | None:
    """An administrator changing someone else's sentence is audited; an author changing their own is not."""
    if principal.is_admin and sentence.created_by != principal.user.id:
        return AdminAction(principal.user.id, action)
    return None


def pending_sentences(principal: Principal, limit: int, cursor: str | None) -> Page[SentencePublic]:
    return content_repository.list_sentences(
        ModerationStatus.PENDING, SentenceFilters(), limit, cursor, reader=principal.user.id
    )


def decide(principal: Principal, sentence_id: str, decision: ModerationDecision) -> SentencePublic:
    changes: dict[str, object] = {
        "status": ModerationStatus.ACTIVE if decision.approve else ModerationStatus.REJECTED,
        "reviewed_by": principal.user.id,
        "rejection_reason": None if decision.approve else decision.reason,
    }
    action = AdminAction(principal.user.id, "approve_sentence" if decision.approve else "reject_sentence")
    decided = content_repository.update_sentence(
        sentence_id, changes, expected_status=ModerationStatus.PENDING, audit=action
    )
    if decided is None:
        if content_repository.get_sentence(sentence_id) is None:
            raise NotFound("sentence not found")
        raise Conflict("this sentence is not waiting for moderation")
    return decided


def set_word_availability(principal: Principal, word_id: str, change: WordAvailabilityChange) -> WordAvailability:
    """Withdraw a word (a wrong or offensive entry) or bring it back; asking for what already is, is no change."""
    action = AdminAction(principal.user.id, "restore_word" if change.is_active else "withdraw_word")
    availability = content_repository.set_word_active(word_id, change.is_active, action)
    if availability is None:
        if not content_repository.word_exists(word_id):
            raise NotFound("word not found")
        raise Conflict("the word changed meanwhile; try again")
    return availability
