"""The due list as a learner sees it: the right new sentences in catalogue order however many they have started, the
day's limits, and the content of every card, in four DynamoDB requests; and a new card's first answer refused for
an item that cannot be studied."""

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.dal.progress import ProgressItem, SentenceProgressItem
from shared.dal.users import UserItem
from shared.enums import ModerationStatus
from shared.services import new_sentences
from shared.services.sample_content import load_sample_content
from tests.auth_helpers import Session, signed_up
from tests.helpers import aggregate_reviews, assert_error
from tests.unit.progress.conftest import Clock, answer

DUE = "/api/v1/progress/due"


def catalogue(client: TestClient) -> list[str]:
    """The approved sentences in catalogue order (the order the due list offers new ones in)."""
    listing = client.get("/api/v1/learning/sentences", params={"limit": 100}).json()
    return [sentence["id"] for sentence in listing["items"]]


def new_ids(due: dict[str, Any]) -> list[str]:
    return [card["sentence"]["id"] for card in due["new"]]


def test_new_sentences_continue_past_every_sentence_already_started(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner who has started the first 25 sentences of the catalogue (more than the due list looks at past
    # their place), and whose reviews the aggregator has counted
    ordered = catalogue(client)
    for sentence_id in ordered[:25]:
        assert answer(client, learner, sentence_id, "easy").status_code == 200
    aggregate_reviews()

    # When they ask for their cards the next day
    clock.at += timedelta(days=1)
    due = client.get(DUE, headers=learner.headers).json()

    # Then the new sentences are the next 10 of the catalogue, in order, each with its content
    assert new_ids(due) == ordered[25:35]
    assert due["new_left_today"] == 10
    assert all(card["sentence"]["japanese_text"] and card["progress"] is None for card in due["new"])


def test_the_days_new_sentence_limit_holds_before_and_after_the_aggregator_counts_the_day(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner who answers the 10 new sentences offered (their daily limit)
    offered = new_ids(client.get(DUE, headers=learner.headers).json())
    assert len(offered) == 10
    for sentence_id in offered:
        answer(client, learner, sentence_id, "easy")

    # When they ask again at once, before the aggregator has counted the day, and again after it has
    at_once = client.get(DUE, headers=learner.headers).json()
    aggregate_reviews()
    counted = client.get(DUE, headers=learner.headers).json()

    # Then no new sentence is offered either time
    for due in (at_once, counted):
        assert (due["new"], due["new_left_today"], due["reviews_left_today"]) == ([], 0, 40)
    # and the next day the next ten are, none of them started
    clock.at += timedelta(days=1)
    tomorrow = new_ids(client.get(DUE, headers=learner.headers).json())
    assert len(tomorrow) == 10 and not set(tomorrow) & set(offered)
    assert tomorrow == catalogue(client)[10:20]


def test_due_cards_come_with_their_sentence_or_word(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner who answered a sentence and a word "again", so that both are due within the hour
    sentence = new_ids(client.get(DUE, headers=learner.headers).json())[0]
    word = client.get("/api/v1/learning/vocabulary", params={"limit": 1}).json()["items"][0]
    assert answer(client, learner, sentence, "again").status_code == 200
    assert answer(client, learner, word["id"], "again", item_type="word").status_code == 200

    # When they ask for their cards an hour later
    clock.at += timedelta(hours=1)
    due = client.get(DUE, headers=learner.headers).json()

    # Then both are due, each with its progress and its content
    cards = {card["progress"]["item_id"]: card for card in due["due"]}
    assert set(cards) == {sentence, word["id"]}
    assert cards[sentence]["sentence"]["id"] == sentence and cards[sentence]["word"] is None
    assert cards[sentence]["sentence"]["japanese_text"]
    assert cards[word["id"]]["word"]["id"] == word["id"] and cards[word["id"]]["sentence"] is None
    assert cards[word["id"]]["word"]["hiragana"] == word["hiragana"]
    assert cards[word["id"]]["progress"]["item_type"] == "word"
    assert sentence not in new_ids(due)


def test_a_new_cards_first_answer_is_refused_for_an_item_that_cannot_be_studied(
    client: TestClient, learner: Session
) -> None:
    # Given a sentence in moderation (written by another learner) and a word that does not exist
    other = signed_up(client, "ren@example.com", "ren")
    pending = client.post(
        "/api/v1/learning/sentences",
        headers=other.headers,
        json={"japanese_text": "花が咲きました。", "english_translation": "The flowers bloomed."},
    ).json()["id"]
    word = client.get("/api/v1/learning/vocabulary", params={"limit": 1}).json()["items"][0]["id"]

    # When the learner answers them as new cards, or a word as learned from that unreadable sentence, or a missing one
    refused = [
        answer(client, learner, pending),
        answer(client, learner, str(uuid.uuid4())),
        answer(client, learner, str(uuid.uuid4()), item_type="word"),
        answer(client, learner, word, item_type="word", learned_from_sentence_id=pending),
        answer(client, learner, word, item_type="word", learned_from_sentence_id=str(uuid.uuid4())),
    ]

    # Then each is a 404 naming what was not found, and no card is written
    for response, message in zip(
        refused,
        ["sentence not found", "sentence not found", "word not found", "sentence not found", "sentence not found"],
        strict=True,
    ):
        assert assert_error(response, 404, "not_found")["message"] == message
    assert ProgressItem.count(learner.user_id) == 0
    # and an answer naming the item wrongly is a 422, not a 500
    assert_error(answer(client, learner, word, item_type="kanji"), 422, "validation_error")


def test_a_sentence_passed_over_stays_offered_first(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner who answered the first 12 sentences of the catalogue but the third, counted by the aggregator
    ordered = catalogue(client)
    for sentence_id in ordered[:12]:
        if sentence_id != ordered[2]:
            answer(client, learner, sentence_id, "easy")
    aggregate_reviews()

    # When they ask for their cards the next day
    clock.at += timedelta(days=1)
    offered = new_ids(client.get(DUE, headers=learner.headers).json())

    # Then the one passed over comes first, then the catalogue's next ones not started, in order
    assert offered[0] == ordered[2]
    assert offered[1:] == ordered[12 : 12 + len(offered) - 1] and len(offered) >= 2


def test_the_place_among_new_sentences_is_not_written_for_an_erased_learner(client: TestClient) -> None:
    # Given the cards of a learner whose user item is gone (erased while their last reviews were in the stream)
    load_sample_content()
    first = catalogue(client)[0]
    SentenceProgressItem(user_id="gone", sentence_id=first).save()

    # When the aggregator moves their place on, Then nothing is written: no user item comes back
    assert new_sentences.move_place_on("gone") is False
    assert UserItem.count("gone") == 0


def test_new_sentences_continue_after_a_place_whose_sentence_left_the_catalogue(
    client: TestClient, learner: Session, clock: Clock
) -> None:
    # Given a learner whose place is after the catalogue's first 12 sentences, the last of which is then deleted
    ordered = catalogue(client)
    for sentence_id in ordered[:12]:
        answer(client, learner, sentence_id, "easy")
    aggregate_reviews()
    place = SentenceItem.get(ordered[11])
    place.status = ModerationStatus.DELETED
    place.save()

    # When they ask for their cards the next day, Then the new ones still continue where they were
    clock.at += timedelta(days=1)
    assert new_ids(client.get(DUE, headers=learner.headers).json()) == ordered[12:22]


def test_a_card_whose_content_left_waits_unshown(client: TestClient, learner: Session, clock: Clock) -> None:
    # Given a learner with three cards due within the hour: two sentences and a word
    first, second = new_ids(client.get(DUE, headers=learner.headers).json())[:2]
    word = client.get("/api/v1/learning/vocabulary", params={"limit": 1}).json()["items"][0]["id"]
    for item_id, kind in ((first, "sentence"), (second, "sentence"), (word, "word")):
        assert answer(client, learner, item_id, "again", item_type=kind).status_code == 200
    aggregate_reviews()
    # and then the first sentence is deleted and the word withdrawn
    deleted = SentenceItem.get(first)
    deleted.status = ModerationStatus.DELETED
    deleted.save()
    withdrawn = VocabularyWordItem.get(word)
    withdrawn.is_active = False
    withdrawn.save()

    # When they ask for their cards an hour later
    clock.at += timedelta(hours=1)
    due = client.get(DUE, headers=learner.headers).json()

    # Then only the sentence still there is due, with its content; the others are not shown, and the day's reviews
    # left are the limit less the three answered
    assert [card["progress"]["item_id"] for card in due["due"]] == [second]
    assert due["due"][0]["sentence"]["japanese_text"]
    assert due["reviews_left_today"] == 50 - 3
