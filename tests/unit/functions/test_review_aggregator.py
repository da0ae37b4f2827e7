"""Per-sentence and per-word counters, summed from the review log's stream, one write per item per batch, and the
achievements of the batch's learners."""

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from fastapi.testclient import TestClient

from functions.review_aggregator.handler import handler
from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.services.sample_content import load_sample_content
from tests.auth_helpers import signed_up
from tests.helpers import FakeLambdaContext, aggregate_reviews

pytestmark = pytest.mark.usefixtures("aws")
SERIALIZER = TypeSerializer()
REVIEWED_AT = "2026-11-24T12:00:00.000000+0000"  # as the review log stores it (every review has one)


def stream_record(event_name: str, image: dict[str, Any]) -> dict[str, Any]:
    return serialized_record(event_name, {key: SERIALIZER.serialize(value) for key, value in image.items()})


def serialized_record(event_name: str, new_image: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": "1",
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-test-review_logs/stream/1",
        "dynamodb": {
            "Keys": {"user_id": new_image["user_id"], "review_id": new_image["review_id"]},
            "NewImage": new_image,
            "StreamViewType": "NEW_IMAGE",
            "SequenceNumber": "1",
        },
    }


def review(item_key: str, correct: bool, response_time_ms: int | None, n: int) -> dict[str, Any]:
    image = {
        "user_id": f"u{n}",
        "review_id": f"r{n}",
        "item_key": item_key,
        "correct": correct,
        "reviewed_at": REVIEWED_AT,
    }
    if response_time_ms is not None:
        image["response_time_ms"] = response_time_ms
    return stream_record("INSERT", image)


def test_answers_of_many_learners_add_up_per_item() -> None:
    load_sample_content()
    sentence = next(iter(SentenceItem.scan(limit=1)))
    word = next(iter(VocabularyWordItem.scan(limit=1)))
    records = [
        review(f"sentence#{sentence.sentence_id}", True, 2000, 1),
        review(f"sentence#{sentence.sentence_id}", False, 4000, 2),
        review(f"sentence#{sentence.sentence_id}", True, None, 3),
        review(f"word#{word.word_id}", True, 1000, 4),
        review(f"word#{word.word_id}", False, 1000, 5),
        stream_record("MODIFY", {"user_id": "u9", "review_id": "r9", "item_key": "sentence#x", "correct": True}),
    ]
    result = handler({"Records": records}, FakeLambdaContext())
    # u1-u5 are no accounts
    assert result == {"answers": 5, "counted": 5, "items": 2, "achievements": 0, "fits_queued": 0}
    stored = SentenceItem.get(sentence.sentence_id)
    assert (stored.total_attempts, stored.correct_attempts) == (3, 2)
    assert (stored.timed_attempts, stored.response_time_total_ms) == (2, 6000)
    assert VocabularyWordItem.get(word.word_id).total_encounters == 2


def test_a_redelivered_batch_counts_each_review_once() -> None:
    # Given a batch of reviews the aggregator has counted
    load_sample_content()
    sentence = next(iter(SentenceItem.scan(limit=1)))
    records = [review(f"sentence#{sentence.sentence_id}", n % 2 == 0, 1000, n) for n in range(4)]
    handler({"Records": records}, FakeLambdaContext())

    # When the stream delivers it again (a retried batch), and then again with one new review in it
    again = handler({"Records": records}, FakeLambdaContext())
    grown = handler({"Records": [*records, review(f"sentence#{sentence.sentence_id}", True, 500, 9)]},
                    FakeLambdaContext())  # fmt: skip

    # Then only the new review is added: the counters hold five answers, each once
    assert (again["counted"], grown["counted"]) == (0, 1)
    stored = SentenceItem.get(sentence.sentence_id)
    assert (stored.total_attempts, stored.correct_attempts, stored.response_time_total_ms) == (5, 3, 4500)


def test_answers_about_deleted_content_are_dropped_quietly() -> None:
    result = handler({"Records": [review("sentence#gone", True, 100, 1)]}, FakeLambdaContext())
    assert result == {"answers": 1, "counted": 1, "items": 0, "achievements": 0, "fits_queued": 0}
    assert SentenceItem.count() == 0  # no item was created by the counter update


def test_a_learners_first_review_earns_an_achievement_off_the_request_path(client: TestClient) -> None:
    from shared.dal.gamification import UserAchievementItem
    from shared.dal.reviews import ReviewLogItem

    # Given a learner whose first review the API has saved
    load_sample_content()
    learner = signed_up(client)
    card = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    body = {"review_id": "first-review-1", "item_type": "sentence", "item_id": card, "rating": "good"}
    assert client.post("/api/v1/progress/review", headers=learner.headers, json=body).status_code == 200
    log = ReviewLogItem.get(learner.user_id, "first-review-1")

    # When its stream record reaches the aggregator (twice: the stream delivers at least once)
    record = serialized_record("INSERT", log.serialize())
    first = handler({"Records": [record]}, FakeLambdaContext())
    again = handler({"Records": [record]}, FakeLambdaContext())

    # Then "first review" is recorded for the learner, once
    assert (first["achievements"], again["achievements"]) == (1, 0)
    (earned,) = list(UserAchievementItem.query(learner.user_id))
    assert earned.is_completed and earned.completion_date is not None
    listing = client.get("/api/v1/users/me/achievements", headers=learner.headers).json()
    (shown,) = [item for item in listing["items"] if item["is_completed"]]
    assert (shown["code"], shown["newly_completed"]) == ("first_review", False)


def test_a_failed_achievement_check_does_not_fail_the_batch(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.dal import achievements_repository

    # Given a learner's review, and achievement counting that fails (throttled, say)
    load_sample_content()
    learner = signed_up(client)
    card = client.get("/api/v1/progress/due", headers=learner.headers).json()["new"][0]["sentence"]["id"]
    body = {"review_id": "review-1", "item_type": "sentence", "item_id": card, "rating": "good"}
    client.post("/api/v1/progress/review", headers=learner.headers, json=body)

    def throttled(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("throttled")

    monkeypatch.setattr(achievements_repository, "activity_counts", throttled)

    # When the batch is aggregated, Then the counters are added (once: the batch is not retried) and no award made
    result = aggregate_reviews()

    assert result == {"answers": 1, "counted": 1, "items": 1, "achievements": 0, "fits_queued": 0}
    assert SentenceItem.get(card).total_attempts == 1


def test_the_deck_summary_is_counted_again_only_when_a_card_changed_level() -> None:
    from shared.dal.reviews import DECK_SUMMARY, DailyStatsItem

    # Given two learners' reviews: one moved a card to another mastery level, the other did not
    load_sample_content()
    sentence = next(iter(SentenceItem.scan(limit=1)))
    moved, stayed = (
        review(f"sentence#{sentence.sentence_id}", True, 900, 1),
        review(f"sentence#{sentence.sentence_id}", True, 900, 2),
    )
    moved["dynamodb"]["NewImage"]["deck_changed"] = {"BOOL": True}
    stayed["dynamodb"]["NewImage"]["deck_changed"] = {"BOOL": False}

    # When the batch is aggregated
    handler({"Records": [moved, stayed]}, FakeLambdaContext())

    # Then only the first learner's deck summary was recounted (and written)
    assert DailyStatsItem.count("u1", DailyStatsItem.day == DECK_SUMMARY) == 1
    assert DailyStatsItem.count("u2", DailyStatsItem.day == DECK_SUMMARY) == 0


def test_mastered_cards_are_counted_per_kind_for_the_learners_achievements() -> None:
    from shared.dal import achievements_repository
    from shared.dal.progress import SentenceProgressItem, VocabularyProgressItem
    from shared.enums import MasteryLevel, RequirementType

    # Given a learner with two mature sentences, a young one and a burned word, and a review that moved a level
    for sentence_id, level in (("s1", MasteryLevel.MATURE), ("s2", MasteryLevel.MATURE), ("s3", MasteryLevel.YOUNG)):
        SentenceProgressItem(user_id="u1", sentence_id=sentence_id, mastery_level=level).save()
    VocabularyProgressItem(user_id="u1", word_id="w1", mastery_level=MasteryLevel.BURNED).save()
    moved = review("sentence#s1", True, 900, 1)
    moved["dynamodb"]["NewImage"]["deck_changed"] = {"BOOL": True}

    # When the batch is aggregated
    handler({"Records": [moved]}, FakeLambdaContext())

    # Then the achievements read the mastered cards of each kind from the deck summary
    counts = achievements_repository.activity_counts("u1", 0)
    assert (counts[RequirementType.SENTENCES_MASTERED], counts[RequirementType.WORDS_MASTERED]) == (2, 1)
