"""Stream consumers: every entry of `shared.catalog.STREAM_CONSUMERS` becomes a `KotobaFunction` (a zip, or a
container image where the entry says so) that an event source mapping feeds from its table's DynamoDB stream.

Retries are bounded: a batch that still fails after `RETRY_ATTEMPTS` (split in halves on each error, so that one bad
record does not hold back the rest) is described in the consumer's own dead-letter queue and skipped. What reaches
that queue is the batch's shard and sequence numbers, not the records: they can be read back from the stream for
24 hours only, which is why the queue's depth alarms on its first message (monitoring.py).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction, image_package, zip_package
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.tables import KotobaTables
from infra.constructs.work_queues import destination_dead_letter_queue
from infra.stage_config import stage_config
from shared.catalog import READINGS_WORKER, REVIEW_AGGREGATOR, REVIEW_ARCHIVER, StreamConsumer
from shared.constants import Env, dead_letter_queue_name
from shared.iam_policy import MEDIA_REWRITE_ACTIONS, STREAM_READ_ACTIONS

# Lambda accepts up to 10,000 records per batch from a DynamoDB stream (and up to 6 MB of payload).
MAX_STREAM_BATCH_SIZE: Final = 10_000
RETRY_ATTEMPTS: Final = 3
STARTING_POSITION: Final = lambda_.StartingPosition.TRIM_HORIZON  # nothing written before the mapping is lost
# Memory and timeout: infra/stage_config.py (stream_function, stream_image_function). The timeout also bounds how long
# one failing batch holds its shard before the retry.
NEW_OR_CHANGED: Final = ("INSERT", "MODIFY")


@dataclass(frozen=True)
class StreamSettings:
    """How Lambda feeds one consumer, beyond what the catalog says (table, batch size, batching window)."""

    # The handler returns Powertools partial batch responses: only the failed records are retried.
    report_batch_item_failures: bool = False
    # Event filter patterns, OR'ed: records that match none are dropped before any invocation (and cost nothing).
    filters: tuple[Mapping[str, Any], ...] = ()


# A deletion by DynamoDB's TTL: its stream record names the service. Deletes by anyone else (an account's erasure)
# carry no userIdentity.
REMOVED_BY_TTL: Final = {
    "eventName": lambda_.FilterRule.is_equal("REMOVE"),
    "userIdentity": {
        "type": lambda_.FilterRule.is_equal("Service"),
        "principalId": lambda_.FilterRule.is_equal("dynamodb.amazonaws.com"),
    },
}


def missing_string_attribute(attribute: str) -> dict[str, Any]:
    """Filter pattern: an INSERT or MODIFY whose new image lacks the string `attribute` (absent, or NULL).

    `exists` only applies to leaf nodes: DynamoDB images are typed, so the leaf is `<attribute>.S`."""
    return {
        "eventName": lambda_.FilterRule.or_(*NEW_OR_CHANGED),
        "dynamodb": {"NewImage": {attribute: {"S": lambda_.FilterRule.not_exists()}}},
    }


STREAM_SETTINGS: Final[Mapping[str, StreamSettings]] = {
    # It counts new logs only: removals (an account's logs deleted in bulk) never invoke it.
    REVIEW_AGGREGATOR.name: StreamSettings(filters=({"eventName": lambda_.FilterRule.is_equal("INSERT")},)),
    # Only sentences still missing a reading or their gloss: its own write (filling all three) then matches no
    # filter, so the worker never re-invokes itself. A sentence written before glosses existed is glossed at its
    # next change (the review aggregator's counters, say).
    READINGS_WORKER.name: StreamSettings(
        report_batch_item_failures=True,
        filters=tuple(
            missing_string_attribute(name) for name in ("hiragana_reading", "romaji_reading", "gloss_source")
        ),
    ),
    # TTL removals only (13 months after each review): its own filter keeps it off the aggregator's INSERTs, as the
    # aggregator's keeps it off these.
    REVIEW_ARCHIVER.name: StreamSettings(filters=(REMOVED_BY_TTL,)),
}


class StreamConsumerFunction(KotobaFunction):
    """One stream consumer: its function, the table grants of its catalog entry, read access to its own stream,
    the event source mapping and the dead-letter queue of the batches it gave up on."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: StreamConsumer,
        stage: str,
        layer: SharedDependencyLayer,
        tables: KotobaTables,
        media_bucket: s3.IBucket,
        settings: Mapping[str, StreamSettings] = STREAM_SETTINGS,
    ) -> None:
        if entry.name not in settings:
            raise KeyError(f"stream consumer {entry.name!r} has no StreamSettings in infra")
        self.entry = entry
        self.settings = settings[entry.name]
        super().__init__(
            scope,
            construct_id,
            name=entry.name,
            description=f"kotoba {entry.name}: reads the {entry.table} table's stream",
            role_description=f"{entry.name}: the {entry.table} stream and the tables listed in shared/catalog.py",
            stage=stage,
            package=image_package(entry.name) if entry.container else zip_package(entry.name, layer),
            size=stage_config(stage).stream_image_function if entry.container else stage_config(stage).stream_function,
            environment={Env.MEDIA_BUCKET: media_bucket.bucket_name} if entry.rewrites_media else None,
        )
        self.grant_tables(tables, reads=entry.reads, writes=entry.writes)
        self.grant_media(media_bucket, entry.rewrites_media, listed=entry.rewrites_media, actions=MEDIA_REWRITE_ACTIONS)
        self.stream_arn = tables.stream_arn(entry.table)
        self.allow(STREAM_READ_ACTIONS, [self.stream_arn])
        self.dead_letter_queue_name = dead_letter_queue_name(stage, entry.name)
        self.dead_letter_queue = destination_dead_letter_queue(
            self,
            name=self.dead_letter_queue_name,
            fed_by=f"the on-failure destination of {entry.name}'s event source mapping. "
            "cdk-nag only recognizes a dead-letter queue by another queue's redrive policy, which a stream has not.",
        )
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "StreamMapping",
            target=self.function,
            event_source_arn=self.stream_arn,
            starting_position=STARTING_POSITION,
            batch_size=min(entry.batch_size, MAX_STREAM_BATCH_SIZE),
            max_batching_window=(
                cdk.Duration.seconds(entry.batching_window_seconds) if entry.batching_window_seconds else None
            ),
            bisect_batch_on_error=True,
            retry_attempts=RETRY_ATTEMPTS,
            report_batch_item_failures=self.settings.report_batch_item_failures or None,
            filters=_filter_criteria(self.settings.filters),
            on_failure=event_sources.SqsDlq(self.dead_letter_queue),  # grants this function's role SendMessage
        )


def _filter_criteria(patterns: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]] | None:
    return [lambda_.FilterCriteria.filter(dict(pattern)) for pattern in patterns] or None
