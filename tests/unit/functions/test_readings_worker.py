"""The readings worker, called with the sentences table's stream events: readings appear for sentences
written without them, and a person's reading is never overwritten."""

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from functions.readings_worker.handler import handler
from shared.dal.content import SentenceItem, VocabularyWordItem
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
    fields = {"english_translation": "-", "difficulty_level": "easy", "jlpt_level": "n5", **fields}
    item = SentenceItem(japanese_text=text, **fields)
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


# --- the word-by-word gloss and the vocabulary words ---------------------------------------------------------------


def words_made() -> dict[str, VocabularyWordItem]:
    return {word.lemma: word for word in VocabularyWordItem.scan()}


def test_a_sentence_is_glossed_and_its_words_become_vocabulary_words() -> None:
    # Given a photo's sentence: no translation, no readings, no tags
    photo = sentence("昨日、友達と寿司を食べました。", english_translation="")

    # When the worker runs
    assert handler(stream_event(photo), FakeLambdaContext()) == {"batchItemFailures": []}

    # Then the sentence has a gloss word by word, each word linked to a vocabulary word made from JMdict
    stored = SentenceItem.get(photo.sentence_id)
    gloss = [entry.attribute_values for entry in stored.word_gloss]
    made = words_made()
    eat = made["食べる"]
    assert gloss[-1] == {
        "surface": "食べ",
        "dictionary_form": "食べる",
        "reading": "たべる",
        "part_of_speech": "verb",
        "meanings": ["to eat", "to live on (e.g. a salary); to live off; to subsist on"],
        "word_id": eat.word_id,
    }
    assert [g["dictionary_form"] for g in gloss] == ["昨日", "友達", "寿司", "食べる"]
    assert stored.vocabulary_tags == ["昨日", "友達", "寿司", "食べる"]
    assert stored.gloss_source.startswith("JMdict 2021-04")
    assert (eat.kanji, eat.hiragana, eat.romaji, eat.part_of_speech, eat.jlpt_level, eat.difficulty_level) == (
        "食べる",
        "たべる",
        "taberu",
        "verb",
        "n5",
        "very_easy",
    )
    assert eat.source == "JMdict (EDRDG, CC BY-SA 3.0)"
    assert {g["word_id"] for g in gloss} == {w.word_id for w in made.values()}


def test_a_redelivered_record_or_another_sentence_makes_no_second_word() -> None:
    first, second = sentence("寿司を食べました。"), sentence("寿司が好きです。")
    handler(stream_event(first), FakeLambdaContext())
    made = {w.word_id for w in VocabularyWordItem.scan()}

    # When the same record comes again (the worker's write lost, say) and another sentence shares a word
    SentenceItem.get(first.sentence_id).update(actions=[SentenceItem.gloss_source.remove()])
    handler(stream_event(first), FakeLambdaContext())
    handler(stream_event(second), FakeLambdaContext())

    # Then 寿司 is one word, linked from both sentences; only 好き is new
    lemmas = [w.lemma for w in VocabularyWordItem.scan()]
    assert sorted(lemmas) == sorted(["寿司", "食べる", "好き"])
    glosses = [SentenceItem.get(s.sentence_id).word_gloss for s in (first, second)]
    sushi = {entry.word_id for gloss in glosses for entry in gloss if entry.surface == "寿司"}
    assert len(sushi) == 1 and sushi <= made


def test_a_catalogue_word_is_linked_not_copied() -> None:
    # Given the catalogue's own 猫 (read ねこ)
    cat = VocabularyWordItem(
        kanji="猫", hiragana="ねこ", romaji="neko", english_meanings=["cat"], part_of_speech="noun",
        difficulty_level="easy",
    )  # fmt: skip
    cat.save()

    # When a sentence with 猫 is glossed, Then it links to that word and makes none for it
    glossed = sentence("猫がいます。")
    handler(stream_event(glossed), FakeLambdaContext())

    entries = SentenceItem.get(glossed.sentence_id).word_gloss
    assert (entries[0].surface, entries[0].word_id) == ("猫", cat.word_id)
    assert [w.word_id for w in VocabularyWordItem.scan() if w.lemma == "猫"] == [cat.word_id]


def test_a_word_not_in_the_dictionary_is_glossed_without_a_word() -> None:
    glossed = sentence("ズンドコベロンチョが好きです。")
    handler(stream_event(glossed), FakeLambdaContext())

    unknown, liked = SentenceItem.get(glossed.sentence_id).word_gloss
    assert (unknown.surface, unknown.meanings, unknown.word_id) == ("ズンドコベロンチョ", [], None)
    assert liked.word_id is not None
    assert SentenceItem.get(glossed.sentence_id).vocabulary_tags == ["好き"]
    assert "ズンドコベロンチョ" not in words_made()


def test_a_persons_tags_are_kept() -> None:
    tagged = sentence("猫が好きです。", vocabulary_tags=["pets"])
    handler(stream_event(tagged), FakeLambdaContext())

    stored = SentenceItem.get(tagged.sentence_id)
    assert stored.vocabulary_tags == ["pets"]
    assert [e.dictionary_form for e in stored.word_gloss] == ["猫", "好き"]


def test_a_stale_record_glosses_nothing_once_the_text_changed() -> None:
    # Given a record of the old text, and the sentence rewritten since (its gloss dropped with the text)
    old = sentence("猫が好きです。")
    record = stream_event(old)
    old.update(actions=[SentenceItem.japanese_text.set("犬が好きです。")])

    # When the old record arrives, Then no gloss of the old text is stored on the new text
    handler(record, FakeLambdaContext())
    assert SentenceItem.get(old.sentence_id).word_gloss is None
