"""The key design of every table: the access patterns of docs/data-model.md depend on exactly these keys."""

import pytest

from shared.dal.content import SENTENCE_COUNTERS, WORD_COUNTERS
from shared.dal.tables import TableDefinition, table_definitions

DEFINITIONS = {d.logical_name: d for d in table_definitions()}


def keys(definition: TableDefinition) -> tuple[str, str | None]:
    return definition.partition_key.name, definition.sort_key.name if definition.sort_key else None


def index_keys(definition: TableDefinition) -> dict[str, tuple[str, str, str | None]]:
    return {i.name: (i.kind, i.partition_key.name, i.sort_key.name if i.sort_key else None) for i in definition.indexes}


EXPECTED = {
    "users": (
        ("user_id", None),
        {
            "by_signup": ("global", "listing", "created_at"),
            "active_admins": ("global", "admin_roster", "user_id"),
            "scheduled_checks": ("global", "check_key", "check_at"),
        },
    ),
    "unique_keys": (("key", None), {}),
    "sentences": (
        ("sentence_id", None),
        {
            "by_status": ("global", "status", "created_at"),
            "by_level": ("global", "level_status", "created_at"),
            "by_author": ("global", "created_by", "created_at"),
            "by_change": ("global", "change_scope", "change_key"),
        },
    ),
    "vocabulary": (
        ("word_id", None),
        {
            "by_level": ("global", "level", "level_rank"),
            "by_lemma": ("global", "lemma", None),
            "by_change": ("global", "change_scope", "change_key"),
        },
    ),
    "progress": (
        ("user_id", "item_key"),
        {
            "by_due": ("local", "user_id", "next_review_date"),
            "by_mastery": ("local", "user_id", "mastery_key"),
            "by_change": ("local", "user_id", "change_key"),
        },
    ),
    "learning_sessions": (("user_id", "session_id"), {}),
    "audio_records": (("user_id", "record_id"), {"by_created": ("local", "user_id", "created_at")}),
    "ocr_records": (("user_id", "record_id"), {"by_created": ("local", "user_id", "created_at")}),
    "study_streaks": (("user_id", "start_date"), {}),
    "achievements": (("achievement_id", None), {"in_order": ("global", "catalog", "sort_order")}),
    "user_achievements": (("user_id", "achievement_id"), {}),
    "jobs": (
        ("id", None),
        {"by_status": ("global", "status", "created_at"), "by_user": ("global", "user_id", "created_at")},
    ),
    "idempotency": (("id", None), {}),
    "auth_sessions": (("session_id", None), {"by_user": ("global", "user_id", "session_id")}),
    "action_tokens": (("token_hash", None), {"by_user": ("global", "user_id", "token_hash")}),
    "rate_limits": (("key", None), {}),
    "review_logs": (
        ("user_id", "review_id"),
        {"by_time": ("local", "user_id", "reviewed_at"), "by_record": ("local", "user_id", "updated_at")},
    ),
    "daily_stats": (("user_id", "day"), {}),
    "admin_audit": (("target_id", "entry_key"), {}),
    "analytics": (("period", "shard"), {}),
}


def test_every_table_is_designed_and_nothing_else_exists() -> None:
    # When the table definitions are listed, Then they are exactly the designed tables
    assert set(DEFINITIONS) == set(EXPECTED)


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_keys_and_indexes(table: str) -> None:
    # When the table's keys and indexes are read, Then they are the design's, kind and keys of each index included
    expected_keys, expected_indexes = EXPECTED[table]
    assert keys(DEFINITIONS[table]) == expected_keys
    assert index_keys(DEFINITIONS[table]) == expected_indexes


def test_rank_keys_are_numbers_and_others_strings() -> None:
    # When the key types are read, Then the vocabulary's rank sort key is a number and the user id a string
    vocabulary = {i.name: i for i in DEFINITIONS["vocabulary"].indexes}
    assert vocabulary["by_level"].sort_key is not None and vocabulary["by_level"].sort_key.type == "N"
    assert DEFINITIONS["users"].partition_key.type == "S"


def test_records_that_go_stale_expire_by_ttl_and_old_reviews_move_to_the_archive() -> None:
    # When the tables with a TTL attribute are listed, Then they are the four whose records go stale, each with its own
    # attribute, and the review log, whose reviews move to the archive 13 months on
    ttl = {name: d.ttl_attribute for name, d in DEFINITIONS.items() if d.ttl_attribute}
    assert ttl == {
        "idempotency": "expiration",
        "auth_sessions": "expires_at",
        "action_tokens": "expires_at",
        "rate_limits": "expires_at",
        "review_logs": "archive_at",  # 13 months after the answer; the archiver keeps what TTL removes
    }


def test_create_table_request_declares_each_key_attribute_once() -> None:
    # When the progress table's create request is built
    request = DEFINITIONS["progress"].create_table_request("kotoba-test-progress")

    # Then each key attribute of the table and its two local indexes is declared once, on demand, with no global index
    names = [a["AttributeName"] for a in request["AttributeDefinitions"]]
    assert sorted(names) == ["change_key", "item_key", "mastery_key", "next_review_date", "user_id"]
    assert sorted(i["IndexName"] for i in request["LocalSecondaryIndexes"]) == ["by_change", "by_due", "by_mastery"]
    assert "GlobalSecondaryIndexes" not in request
    assert request["BillingMode"] == "PAY_PER_REQUEST"


def test_indexes_that_a_frequent_write_touches_project_only_what_their_reads_need() -> None:
    # A review rewrites its card and adds a log item; a study day updates its user. Each index below copies
    # only what its queries read, so those writes cost the base table's units and not an index's as well.
    # Given each index's projection request
    def projection(table: str, index: str) -> dict[str, object]:
        (found,) = [i for i in DEFINITIONS[table].indexes if i.name == index]
        return found.projection_request()

    # Then the indexes on frequent writes copy only the attributes their reads need, or keys only
    assert projection("progress", "by_mastery") == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["item_type", "lapses"],  # lapses: the leeches; a lapse moves the level anyway
    }
    assert projection("users", "by_signup") == {"ProjectionType": "KEYS_ONLY"}
    assert projection("users", "active_admins") == {"ProjectionType": "KEYS_ONLY"}
    assert projection("users", "scheduled_checks") == {"ProjectionType": "KEYS_ONLY"}
    assert projection("auth_sessions", "by_user") == {"ProjectionType": "KEYS_ONLY"}
    assert projection("action_tokens", "by_user") == {"ProjectionType": "KEYS_ONLY"}
    by_time = projection("review_logs", "by_time")
    assert by_time["ProjectionType"] == "INCLUDE"
    assert {"study_day", "correct", "response_time_ms", "session_id"} <= set(by_time["NonKeyAttributes"])  # type: ignore[arg-type]
    # The sync indexes: the cards' is read whole (a card's copy is bounded by the deck, so storage is no concern);
    # the reviews' keeps keys only, since the log grows with every answer and a Query of an LSI fetches the rest
    # from the table (under 1 KB, an entry costs one write unit whatever its projection)
    assert projection("progress", "by_change") == {"ProjectionType": "ALL"}
    assert projection("review_logs", "by_record") == {"ProjectionType": "KEYS_ONLY"}
    # The content sync indexes copy what a list shows, never the counters the review aggregator adds to: its updates
    # of a shared sentence or word touch the item alone, never the feed's few partitions
    for table, counters in (("sentences", SENTENCE_COUNTERS), ("vocabulary", WORD_COUNTERS)):
        feed = projection(table, "by_change")
        assert feed["ProjectionType"] == "INCLUDE" and "updated_at" in feed["NonKeyAttributes"]  # type: ignore[operator]
        assert not set(counters) & set(feed["NonKeyAttributes"])  # type: ignore[arg-type]


def test_streams_feed_the_readings_worker_the_review_aggregator_and_the_review_archiver() -> None:
    # When the tables with a stream are listed, Then they are the sentences (both images) and the review logs (both:
    # the archiver reads what TTL removed from a REMOVE record's old image)
    streams = {name: d.stream_view_type for name, d in DEFINITIONS.items() if d.stream_view_type}
    assert streams == {"sentences": "NEW_AND_OLD_IMAGES", "review_logs": "NEW_AND_OLD_IMAGES"}
