"""Per-sentence and per-word counters, summed from the review log's stream, one write per item per batch."""

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from functions.review_aggregator.handler import handler
from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.services.sample_content import load_sample_content
from tests.helpers import FakeLambdaContext

pytestmark = pytest.mark.usefixtures("aws")
SERIALIZER = TypeSerializer()


def stream_record(event_name: str, image: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": "1",
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-test-review_logs/stream/1",
        "dynamodb": {
            "Keys": {"user_id": {"S": image["user_id"]}, "review_id": {"S": image["review_id"]}},
            "NewImage": {key: SERIALIZER.serialize(value) for key, value in image.items()},
            "StreamViewType": "NEW_IMAGE",
            "SequenceNumber": "1",
        },
    }


def review(item_key: str, correct: bool, response_time_ms: int | None, n: int) -> dict[str, Any]:
    image = {"user_id": f"u{n}", "review_id": f"r{n}", "item_key": item_key, "correct": correct}
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
    assert result == {"answers": 5, "items": 2}
    stored = SentenceItem.get(sentence.sentence_id)
    assert (stored.total_attempts, stored.correct_attempts) == (3, 2)
    assert (stored.timed_attempts, stored.response_time_total_ms) == (2, 6000)
    assert VocabularyWordItem.get(word.word_id).total_encounters == 2


def test_answers_about_deleted_content_are_dropped_quietly() -> None:
    result = handler({"Records": [review("sentence#gone", True, 100, 1)]}, FakeLambdaContext())
    assert result == {"answers": 1, "items": 1}
    assert SentenceItem.count() == 0  # no item was created by the counter update
