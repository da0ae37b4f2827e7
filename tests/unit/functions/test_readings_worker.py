"""The readings worker, called with the sentences table's stream events: readings appear for sentences
written without them, and a person's reading is never overwritten."""

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from functions.readings_worker.handler import handler
from shared.dal.content import SentenceItem
from shared.enums import ModerationStatus
from tests.helpers import FakeLambdaContext

pytestmark = pytest.mark.usefixtures("aws")
SERIALIZER = TypeSerializer()


def stream_event(*items: SentenceItem, event_name: str = "INSERT") -> dict[str, Any]:
    records = []
    for n, item in enumerate(items):
        image = {k: v for k, v in item.attribute_values.items() if isinstance(v, str | int | float | bool | list)}
        records.append(
            {
                "eventID": str(n),
                "eventName": event_name,
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-test-sentences/stream/1",
                "dynamodb": {
                    "Keys": {"sentence_id": {"S": item.sentence_id}},
                    "NewImage": {k: SERIALIZER.serialize(v) for k, v in image.items()},
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                    "SequenceNumber": str(100 + n),
                },
            }
        )
    return {"Records": records}


def sentence(text: str, **fields: Any) -> SentenceItem:
    item = SentenceItem(japanese_text=text, english_translation="-", difficulty_level="easy", jlpt_level="n5", **fields)
    item.save()
    return item


def test_missing_readings_are_filled() -> None:
    bare = sentence("今日は一人で東京へ行きました。", status=ModerationStatus.PENDING)
    assert handler(stream_event(bare), FakeLambdaContext()) == {"batchItemFailures": []}
    stored = SentenceItem.get(bare.sentence_id)
    assert stored.hiragana_reading == "きょうはひとりでとうきょうへいきました。"
    assert stored.romaji_reading == "kyou wa hitori de toukyou e ikimashita."


def test_a_persons_reading_is_kept_and_only_the_missing_one_filled() -> None:
    partial = sentence("猫を三匹飼っています。", hiragana_reading="ねこをさんびきかっています。")
    handler(stream_event(partial), FakeLambdaContext())
    stored = SentenceItem.get(partial.sentence_id)
    assert stored.hiragana_reading == "ねこをさんびきかっています。"
    assert stored.romaji_reading == "neko o sanbiki katte imasu."


def test_complete_and_deleted_sentences_are_left_alone() -> None:
    complete = sentence("はい。", hiragana_reading="はい。", romaji_reading="hai (as written by a teacher)")
    deleted = sentence("いいえ。", status=ModerationStatus.DELETED)
    handler(stream_event(complete, deleted), FakeLambdaContext())
    assert SentenceItem.get(complete.sentence_id).romaji_reading == "hai (as written by a teacher)"
    assert SentenceItem.get(deleted.sentence_id).hiragana_reading is None
