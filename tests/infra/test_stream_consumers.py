"""Stream consumers: event source mappings on their own table's stream, bounded retries into an encrypted,
TLS-only dead-letter queue, the readings worker's filters and its container image's size (test_container_images.py
checks what every image stages)."""

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_s3 as s3

from infra.constructs import stream_consumer
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.stream_consumer import STREAM_SETTINGS, StreamConsumerFunction, StreamSettings
from infra.constructs.tables import KotobaTables
from infra.stage_config import DEV
from shared.catalog import READINGS_WORKER, REVIEW_AGGREGATOR, REVIEW_ARCHIVER, STREAM_CONSUMERS, StreamConsumer
from shared.constants import dead_letter_queue_name
from tests.infra.conftest import STAGE, SynthesizedApp, image_assets, logical_id, resources_of_type, table_exports

pytestmark = pytest.mark.slow

FOURTEEN_DAYS = 14 * 24 * 3600


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def consumers(synthesized: SynthesizedApp) -> dict[str, StreamConsumerFunction]:
    return {consumer.name: consumer for consumer in synthesized.api.stream_consumers}


@pytest.fixture(scope="module")
def stream_table_by_export(synthesized: SynthesizedApp) -> dict[str, str]:
    """Export name of each stream ARN in the data stack -> logical name of the table whose stream it is."""
    return table_exports(synthesized, "StreamArn")


def _mapping(template: dict[str, Any], consumer: StreamConsumerFunction) -> dict[str, Any]:
    return dict(template["Resources"][logical_id(consumer.event_source_mapping)]["Properties"])


def _function(template: dict[str, Any], consumer: StreamConsumerFunction) -> dict[str, Any]:
    return dict(template["Resources"][logical_id(consumer.function)])


def test_one_consumer_per_catalog_entry_each_with_settings(consumers: dict[str, StreamConsumerFunction]) -> None:
    # When the stack's stream consumers are listed, Then there is one per catalog entry, each with its settings
    assert sorted(consumers) == sorted(entry.name for entry in STREAM_CONSUMERS)
    assert STREAM_SETTINGS.keys() == consumers.keys()


def test_one_mapping_per_consumer_per_upload_worker_and_per_job_worker_and_nothing_else(
    synthesized: SynthesizedApp, template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    # When the stack's event source mappings are listed
    # Then they are one per stream consumer, per upload worker and per job worker, and no other
    assert sorted(resources_of_type(template, "AWS::Lambda::EventSourceMapping")) == sorted(
        [
            *(logical_id(consumer.event_source_mapping) for consumer in consumers.values()),
            *(logical_id(worker.event_source_mapping) for worker in synthesized.api.upload_workers),
            *(logical_id(worker.event_source_mapping) for worker in synthesized.api.job_workers),
        ]
    )


@pytest.mark.parametrize("entry", STREAM_CONSUMERS, ids=lambda e: e.name)
def test_mapping_reads_its_own_table_stream_from_the_start_with_bounded_retries(
    template: dict[str, Any],
    consumers: dict[str, StreamConsumerFunction],
    stream_table_by_export: dict[str, str],
    entry: StreamConsumer,
) -> None:
    # When the consumer's mapping is read
    consumer = consumers[entry.name]
    mapping = _mapping(template, consumer)

    # Then it reads its own table's stream from the oldest record into the function, in batches of the catalog's size
    # (10,000 at most), retrying three times while halving a failing batch, then sending it to its dead-letter queue
    assert stream_table_by_export[mapping["EventSourceArn"]["Fn::ImportValue"]] == entry.table
    assert mapping["FunctionName"] == {"Ref": logical_id(consumer.function)}
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BatchSize"] == min(entry.batch_size, 10_000)
    assert mapping["MaximumRetryAttempts"] == stream_consumer.RETRY_ATTEMPTS == 3
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [logical_id(consumer.dead_letter_queue), "Arn"]}}
    }
    assert "Enabled" not in mapping or mapping["Enabled"] is True


def test_catalog_batch_sizes(template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]) -> None:
    # When the mappings' batch sizes are read, Then the aggregator takes 500, the readings worker its catalog size and
    # the archiver 1,000
    assert _mapping(template, consumers[REVIEW_AGGREGATOR.name])["BatchSize"] == 500
    assert _mapping(template, consumers[READINGS_WORKER.name])["BatchSize"] == READINGS_WORKER.batch_size
    assert _mapping(template, consumers[REVIEW_ARCHIVER.name])["BatchSize"] == 1000


def test_review_aggregator_waits_30_seconds_for_a_batch_of_new_logs_and_handles_it_whole(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    # When the review aggregator's mapping is read
    mapping = _mapping(template, consumers[REVIEW_AGGREGATOR.name])

    # Then it waits up to 30 seconds to fill a batch, retries a batch whole, and takes only inserted logs
    assert mapping["MaximumBatchingWindowInSeconds"] == 30
    assert "FunctionResponseTypes" not in mapping
    assert [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]] == [{"eventName": ["INSERT"]}]


def test_readings_worker_reports_item_failures_and_is_invoked_at_once(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    # When the readings worker's mapping is read
    mapping = _mapping(template, consumers[READINGS_WORKER.name])

    # Then it reports failures item by item, and does not wait to fill a batch
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "MaximumBatchingWindowInSeconds" not in mapping


def _readings_filters(template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]) -> list[dict[str, Any]]:
    filters = _mapping(template, consumers[READINGS_WORKER.name])["FilterCriteria"]["Filters"]
    return [json.loads(f["Pattern"]) for f in filters]


def test_readings_worker_filters_are_exactly_the_missing_readings_and_gloss(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    """Three patterns, OR'ed by Lambda; `exists` on the typed leaf (`.S`), which is the only place it works."""
    # When the readings worker's filters are read
    # Then they are three: an inserted or modified sentence without hiragana, without romaji, or without its gloss
    assert _readings_filters(template, consumers) == [
        {
            "eventName": ["INSERT", "MODIFY"],
            "dynamodb": {"NewImage": {attribute: {"S": [{"exists": False}]}}},
        }
        for attribute in ("hiragana_reading", "romaji_reading", "gloss_source")
    ]


def _matches(pattern: dict[str, Any], event: Any) -> bool:
    """EventBridge pattern matching (the syntax Lambda filters use), for the operators used here: literal
    alternatives and `exists` on leaves. A field missing from the event fails a literal and matches exists=false."""
    for key, rule in pattern.items():
        present = isinstance(event, dict) and key in event
        value = event[key] if present else None
        if isinstance(rule, dict):
            if not _matches(rule, value if isinstance(value, dict) else {}):
                return False
        elif not any(
            alternative["exists"] == present if isinstance(alternative, dict) else present and value == alternative
            for alternative in rule
        ):
            return False
    return True


def _record(event_name: str, **attributes: dict[str, Any]) -> dict[str, Any]:
    image = {"sentence_id": {"S": "s1"}, "japanese_text": {"S": "私は学生です。"}, **attributes}
    return {"eventName": event_name, "dynamodb": {"Keys": {"sentence_id": {"S": "s1"}}, "NewImage": image}}


HIRAGANA = {"S": "わたしはがくせいです。"}
ROMAJI = {"S": "watashi wa gakusei desu."}
GLOSSED = {"S": "JMdict 2021-04"}


@pytest.mark.parametrize(
    ("record", "invoked"),
    [
        (_record("INSERT"), True),
        (_record("INSERT", hiragana_reading=HIRAGANA, gloss_source=GLOSSED), True),
        (_record("MODIFY", romaji_reading=ROMAJI, gloss_source=GLOSSED), True),
        (_record("MODIFY", hiragana_reading={"NULL": True}, romaji_reading=ROMAJI, gloss_source=GLOSSED), True),
        (_record("INSERT", hiragana_reading=HIRAGANA, romaji_reading=ROMAJI), True),  # with readings, no gloss
        (_record("MODIFY", hiragana_reading=HIRAGANA, romaji_reading=ROMAJI, gloss_source={"NULL": True}), True),
        # its own write, which fills both readings and the gloss: never a loop
        (_record("MODIFY", hiragana_reading=HIRAGANA, romaji_reading=ROMAJI, gloss_source=GLOSSED), False),
        (_record("INSERT", hiragana_reading=HIRAGANA, romaji_reading=ROMAJI, gloss_source=GLOSSED), False),
        ({"eventName": "REMOVE", "dynamodb": {"Keys": {"sentence_id": {"S": "s1"}}}}, False),
    ],
    ids=["insert-bare", "insert-no-romaji", "modify-no-hiragana", "modify-null-hiragana", "insert-no-gloss",
         "modify-gloss-cleared", "own-update", "complete", "remove"],
)  # fmt: skip
def test_readings_worker_is_invoked_only_for_sentences_missing_a_reading_or_gloss(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction], record: dict[str, Any], invoked: bool
) -> None:
    # When a sentence record is matched against the readings worker's filters
    # Then it is invoked only when the sentence misses a reading or its gloss, never for its own update that fills all
    assert any(_matches(pattern, record) for pattern in _readings_filters(template, consumers)) is invoked


@pytest.mark.parametrize(("event_name", "invoked"), [("INSERT", True), ("MODIFY", False), ("REMOVE", False)])
def test_review_aggregator_is_invoked_for_new_logs_only(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction], event_name: str, invoked: bool
) -> None:
    # Given a review log's insert, modify or remove record
    filters = _mapping(template, consumers[REVIEW_AGGREGATOR.name])["FilterCriteria"]["Filters"]
    record = {"eventName": event_name, "dynamodb": {"Keys": {"user_id": {"S": "u1"}, "review_id": {"S": "r1"}}}}

    # When it is matched against the aggregator's filters, Then only the insert invokes it
    assert any(_matches(json.loads(f["Pattern"]), record) for f in filters) is invoked


REVIEW_KEYS = {"user_id": {"S": "u1"}, "review_id": {"S": "r1"}}
TTL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


@pytest.mark.parametrize(
    ("record", "archived"),
    [({"eventName": "REMOVE", "userIdentity": TTL, "dynamodb": {"Keys": REVIEW_KEYS}}, True),
     ({"eventName": "REMOVE", "dynamodb": {"Keys": REVIEW_KEYS}}, False),  # an account's erasure
     ({"eventName": "REMOVE", "userIdentity": {"type": "Service", "principalId": "other.amazonaws.com"}}, False),
     ({"eventName": "INSERT", "dynamodb": {"Keys": REVIEW_KEYS}}, False)],
    ids=["ttl removal", "erasure", "another service", "new log"],
)  # fmt: skip
def test_review_archiver_is_invoked_for_ttl_removals_only_and_the_aggregator_never_for_them(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction], record: dict[str, Any], archived: bool
) -> None:
    # Given the archiver's and the aggregator's filters on the review log's stream
    archiver = _mapping(template, consumers[REVIEW_ARCHIVER.name])["FilterCriteria"]["Filters"]
    aggregator = _mapping(template, consumers[REVIEW_AGGREGATOR.name])["FilterCriteria"]["Filters"]

    # When a record is matched against them, Then the archiver takes DynamoDB's TTL removals alone, and the aggregator
    # no removal at all
    assert any(_matches(json.loads(f["Pattern"]), record) for f in archiver) is archived
    if record["eventName"] == "REMOVE":
        assert not any(_matches(json.loads(f["Pattern"]), record) for f in aggregator)


def test_review_archiver_waits_5_minutes_for_a_batch_and_is_told_the_bucket(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    # When the archiver's mapping and environment are read
    consumer = consumers[REVIEW_ARCHIVER.name]
    mapping = _mapping(template, consumer)
    variables = _function(template, consumer)["Properties"]["Environment"]["Variables"]

    # Then it waits as long as Lambda allows, handles a batch whole, and is told the bucket (the aggregator is not)
    assert mapping["MaximumBatchingWindowInSeconds"] == 300  # Lambda's longest for a stream
    assert "FunctionResponseTypes" not in mapping  # idempotent per learner-month: a retried batch rewrites nothing
    assert "KOTOBA_MEDIA_BUCKET" in variables
    assert (
        "KOTOBA_MEDIA_BUCKET"
        not in _function(template, consumers[REVIEW_AGGREGATOR.name])["Properties"]["Environment"]["Variables"]
    )


@pytest.mark.parametrize("entry", STREAM_CONSUMERS, ids=lambda e: e.name)
def test_dead_letter_queue_is_named_encrypted_retained_and_tls_only(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction], entry: StreamConsumer
) -> None:
    # When the consumer's dead-letter queue and its policy are read
    consumer = consumers[entry.name]
    queue_id = logical_id(consumer.dead_letter_queue)
    queue = template["Resources"][queue_id]["Properties"]
    (policy,) = [
        p
        for p in resources_of_type(template, "AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    # Then it is named for the consumer, encrypted, keeps messages 14 days, has no redrive, and refuses requests
    # without TLS
    assert queue["QueueName"] == dead_letter_queue_name(STAGE, entry.name) == consumer.dead_letter_queue_name
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert "RedrivePolicy" not in queue
    assert [(s["Effect"], s["Action"], s["Principal"], s["Condition"]) for s in statements] == [
        ("Deny", "sqs:*", {"AWS": "*"}, {"Bool": {"aws:SecureTransport": "false"}})
    ]


def test_review_aggregator_is_a_zip_on_the_shared_layer(
    synthesized: SynthesizedApp, template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    # When the review aggregator's function is read
    properties = _function(template, consumers[REVIEW_AGGREGATOR.name])["Properties"]

    # Then it is a Python 3.12 zip on the shared layer, with 512 MB and a minute
    assert "PackageType" not in properties  # Zip
    assert properties["Runtime"] == "python3.12"
    assert properties["Handler"] == "handler.handler"
    assert properties["Layers"] == [{"Ref": logical_id(synthesized.api.shared_layer.layer)}]
    assert (properties["MemorySize"], properties["Timeout"]) == (512, 60)


def test_readings_worker_is_an_arm64_image_with_a_gigabyte_and_a_minute(
    synthesized: SynthesizedApp, template: dict[str, Any], consumers: dict[str, StreamConsumerFunction]
) -> None:
    # When the readings worker's function is read
    consumer = consumers[READINGS_WORKER.name]
    properties = _function(template, consumer)["Properties"]
    asset_hash, _ = image_assets(synthesized)["containers/readings_worker/Dockerfile"]

    # Then it runs its arm64 image with a gigabyte and a minute, traced, logging to its group, with its role and stage
    assert properties["PackageType"] == "Image"
    assert properties["Architectures"] == ["arm64"]
    assert {"Runtime", "Handler", "Layers"}.isdisjoint(properties)  # the image's CMD names the handler
    assert properties["Code"]["ImageUri"]["Fn::Sub"].endswith(f":{asset_hash}")
    assert (
        (properties["MemorySize"], properties["Timeout"])
        == (DEV.stream_image_function.memory_mb, DEV.stream_image_function.timeout_seconds)
        == (
            1024,
            60,
        )
    )
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["LoggingConfig"] == {"LogGroup": {"Ref": logical_id(consumer.log_group)}}
    assert properties["Role"] == {"Fn::GetAtt": [logical_id(consumer.role), "Arn"]}
    assert properties["Environment"]["Variables"]["KOTOBA_STAGE"] == STAGE


@pytest.mark.parametrize("entry", STREAM_CONSUMERS, ids=lambda e: e.name)
def test_function_waits_for_its_policy_so_the_mapping_finds_its_stream_grants(
    template: dict[str, Any], consumers: dict[str, StreamConsumerFunction], entry: StreamConsumer
) -> None:
    """Lambda checks the role's stream permissions when the mapping is created: the mapping refers to the function,
    and the function depends on the role's policy."""
    # When the consumer's mapping and function are read
    consumer = consumers[entry.name]
    policy_id = logical_id(consumer.role.node.find_child("DefaultPolicy"))

    # Then the mapping refers to the function, which depends on its role's policy
    assert _mapping(template, consumer)["FunctionName"] == {"Ref": logical_id(consumer.function)}
    assert policy_id in _function(template, consumer)["DependsOn"]


def test_batch_size_is_capped_at_lambdas_stream_limit_and_a_consumer_needs_settings() -> None:
    """On a throwaway stack: the catalog may ask for more than Lambda takes from a DynamoDB stream (10,000)."""
    # Given a throwaway stack's tables and layer, and a consumer whose catalog entry asks for batches of 20,000
    stack = cdk.Stack(cdk.App(context={"aws:cdk:bundling-stacks": []}), "Throwaway")
    tables = KotobaTables(stack, "Tables", stage=STAGE)
    layer = SharedDependencyLayer(stack, "Layer")  # not bundled on this stack
    huge = StreamConsumer(name=REVIEW_AGGREGATOR.name, table="review_logs", batch_size=20_000)

    # When it is built, and a consumer with no settings of its own is built too, Then that second one is refused
    bucket = s3.Bucket.from_bucket_name(stack, "Media", "media")
    StreamConsumerFunction(stack, "Huge", entry=huge, stage=STAGE, layer=layer, tables=tables, media_bucket=bucket)
    with pytest.raises(KeyError, match="no StreamSettings"):
        StreamConsumerFunction(
            stack,
            "Unknown",
            entry=StreamConsumer(name="unknown", table="review_logs", batch_size=1),
            stage=STAGE,
            layer=layer,
            tables=tables,
            media_bucket=bucket,
            settings={REVIEW_AGGREGATOR.name: StreamSettings()},
        )

    # Then the first one's mapping takes batches of 10,000
    assertions.Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"BatchSize": 10_000}
    )


def test_a_table_without_a_stream_cannot_be_consumed() -> None:
    # Given the tables, on a throwaway stack
    tables = KotobaTables(cdk.Stack(cdk.App(), "Throwaway"), "Tables", stage=STAGE)

    # When the stream of the users table, which has none, is asked for, Then it is refused
    with pytest.raises(ValueError, match="no stream"):
        tables.stream_arn("users")
