"""What an account's deletion removes: every item of every table that holds the learner, in pages, and their
objects in the media bucket. Each step deletes what is there now, so running it again (a retry, a continuation in
a later invocation) finishes what the last one left; the user item goes last, since it names the address and the
username whose claims go with it.

Kept, because they expire by themselves and name no one: the review aggregator's markers in `idempotency` (two
days) and the rate-limit counters (digests of the address, an hour at most)."""

from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.expressions.update import Action
from pynamodb.models import Model

from shared.catalog import LEARNER_MEDIA
from shared.dal.audit import AdminAuditItem
from shared.dal.auth import ActionTokenItem, AuthSessionItem
from shared.dal.base import applied, utcnow
from shared.dal.clients import aws_client
from shared.dal.content import SentenceItem, change_key_of, public_feed
from shared.dal.gamification import StudyStreakItem, UserAchievementItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, OCRRecordItem
from shared.dal.progress import ProgressItem
from shared.dal.reviews import DailyStatsItem, ReviewLogItem
from shared.dal.sessions import LearningSessionItem
from shared.dal.users import UniqueKeyItem, UserItem
from shared.enums import ModerationStatus
from shared.observability import tracer
from shared.settings import get_settings

PAGE_ITEMS = 1000  # items read and deleted per step (BatchWriteItem sends them 25 a request)
PAGE_OBJECTS = 1000  # S3 DeleteObjects takes at most 1,000 keys
# The learner's own partitions: every item under their user id.
LEARNER_PARTITIONS: tuple[type[Model], ...] = (
    ReviewLogItem,
    ProgressItem,
    DailyStatsItem,
    LearningSessionItem,
    StudyStreakItem,
    UserAchievementItem,
    OCRRecordItem,
    AudioRecordItem,
    AdminAuditItem,  # what administrators did to the account (its target id is the user's)
)
# Uploads, exports and the review archive (reviews older than 13 months, shared/dal/review_archive.py).
LEARNER_PREFIXES = LEARNER_MEDIA


def erase_step(user_id: str, keep_job: str) -> bool:
    """Delete one page of the learner's data, from the first place that still holds some: True when there was some
    (call again), False when nothing is left but the user item and its claims (then `erase_account_record`)."""
    return any(step(user_id, keep_job) for step in _STEPS)


def _partitions(user_id: str, keep_job: str) -> bool:
    for model in LEARNER_PARTITIONS:
        page = list(model.query(user_id, limit=PAGE_ITEMS))
        if page:
            _delete(model, page)
            return True
    return False


def _sessions_and_tokens(user_id: str, keep_job: str) -> bool:
    for model, index in ((AuthSessionItem, AuthSessionItem.by_user), (ActionTokenItem, ActionTokenItem.by_user)):
        page = list(index.query(user_id, limit=PAGE_ITEMS))
        if page:
            _delete(model, page)
            return True
    return False


def _jobs(user_id: str, keep_job: str) -> bool:
    page = [job for job in BackgroundJobItem.by_user.query(user_id, limit=PAGE_ITEMS) if job.id != keep_job]
    _delete(BackgroundJobItem, page)
    return bool(page)


def _sentences(user_id: str, keep_job: str) -> bool:
    """The learner's own sentences: those others may study (approved) stay, unlinked from the learner; the rest go."""
    keys = [item.sentence_id for item in SentenceItem.by_author.query(user_id, limit=PAGE_ITEMS)]
    if not keys:
        return False
    sentences = list(SentenceItem.batch_get(keys, consistent_read=True))
    for sentence in sentences:
        if sentence.status == ModerationStatus.ACTIVE:
            _unlink(sentence, user_id)
    _delete(SentenceItem, [sentence for sentence in sentences if sentence.status != ModerationStatus.ACTIVE])
    return True


def _unlink(sentence: SentenceItem, user_id: str) -> None:
    """The author's id removed, as a change of the sentence in the public feed (phones see the author go), which also
    takes it out of any feed named after the learner."""
    now = utcnow()
    actions: list[Action] = [
        SentenceItem.created_by.remove(),
        SentenceItem.updated_at.set(now),
        SentenceItem.change_scope.set(public_feed(sentence.sentence_id)),
        SentenceItem.change_key.set(change_key_of(now, sentence.sentence_id)),
    ]

    def unlinked() -> object:
        return sentence.update(actions=actions, condition=SentenceItem.created_by == user_id)

    applied(unlinked)


def _media(user_id: str, keep_job: str) -> bool:
    s3 = aws_client("s3")
    bucket = get_settings().media_bucket_name()
    for prefix in LEARNER_PREFIXES:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}{user_id}/", MaxKeys=PAGE_OBJECTS)
        keys = [{"Key": item["Key"]} for item in listed.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            return True
    return False


_STEPS: tuple[Callable[[str, str], bool], ...] = (_sessions_and_tokens, _partitions, _jobs, _sentences, _media)


def _delete(model: type[Model], items: Iterable[Any]) -> None:
    with model.batch_write() as batch:
        for item in items:
            batch.delete(item)


@tracer.capture_method
def erase_account_record(user_id: str) -> None:
    """The user item, and the claims on its address and username (only while they are still this user's: the
    address may be someone's again)."""
    try:
        user = UserItem.get(user_id, consistent_read=True)
    except UserItem.DoesNotExist:
        return
    for key in (UniqueKeyItem.email_key(user.email), UniqueKeyItem.username_key(user.username)):
        _release(UniqueKeyItem(key=key), user_id)
    user.delete()


def _release(claim: UniqueKeyItem, user_id: str) -> None:
    def released() -> object:
        return claim.delete(condition=UniqueKeyItem.user_id == user_id)

    applied(released)
