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


def test_a_filled_sentence_is_found_by_its_readings() -> None:
    from shared.dal.content_repository import list_sentences
    from shared.schemas.content import SentenceFilters

    # Given an active sentence that arrived without readings
    bare = sentence("今日は一人で東京へ行きました。", status=ModerationStatus.ACTIVE)
    assert list_sentences(ModerationStatus.ACTIVE, SentenceFilters(text="toukyou"), 20, None).items == []

    # When the worker fills them, Then a search by its romaji or its kana finds it
    handler(stream_event(bare), FakeLambdaContext())
    for text in ("toukyou", "とうきょう"):
        found = list_sentences(ModerationStatus.ACTIVE, SentenceFilters(text=text), 20, None).items
        assert [s.id for s in found] == [bare.sentence_id]


def test_a_sentence_that_keeps_changing_is_retried_by_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.dal import content_repository

    # Given a sentence that somebody else writes every time the worker is about to (and a quiet one beside it)
    busy, quiet = sentence("猫が好きです。"), sentence("犬も好きです。")
    write_back = content_repository._write_back
    monkeypatch.setattr(
        content_repository,
        "_write_back",
        lambda item, changes: item.sentence_id != busy.sentence_id and write_back(item, changes),
    )

    # When the worker runs, Then the busy one goes back to the stream to be retried, unchanged, and the other is filled
    result = handler(stream_event(busy, quiet), FakeLambdaContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": "100"}]}
    assert SentenceItem.get(busy.sentence_id).hiragana_reading is None
    assert SentenceItem.get(quiet.sentence_id).hiragana_reading == "いぬもすきです。"
