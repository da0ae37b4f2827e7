"""The local event pump: what Lambda's event sources do in AWS.

- SQS work queues (fed by S3 upload notifications) are long-polled and each batch is handed to the
  queue's worker function as an SQS event; a message is deleted only when the handler does not report it
  as failed, so failures are retried and end in the dead-letter queue, as in AWS.
- DynamoDB streams of tables with a consumer are read from their oldest record and handed on in batches,
  as Lambda's event source mappings do: a full batch at once, else what came within the consumer's batching window
  (at most LOCAL_BATCHING_WINDOW_SECONDS here); a failing batch is retried a few times, then skipped and logged.
- EventBridge schedules (read from the emulator's rules) run their function at the local interval.
Handlers run in this process, or, for workers marked `separate_process`, in a child process each.

Each handler call acts as its function (localcloud/identity.py), and the queue and stream reads that feed it are signed
with its key too, since Lambda's event source mappings read with the function's role; what only AWS itself does (the
schedule's rule, the table's stream ARN that CDK gives the mapping) is read with the tooling key.
"""

import importlib
import threading
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from localcloud.emulator import LOCAL_ACCOUNT, LOCAL_REGION
from localcloud.identity import SECRET_ACCESS_KEY, acting_as, function_access_key
from shared.catalog import SCHEDULED_FUNCTIONS, STREAM_CONSUMERS, ScheduledFunction, StreamConsumer
from shared.constants import physical_name
from shared.observability import logger

Handler = Callable[[dict[str, Any], Any], Any]
POLL_WAIT_SECONDS = 1
SQS_BATCH_SIZE = 10
STREAM_POLL_SECONDS = 0.5
# Lambda waits up to a consumer's batching window (shared/catalog.py) to fill its batch; the pump waits as long, but
# at most this, so that what a consumer writes (a learner's day totals) still shows seconds after the request.
LOCAL_BATCHING_WINDOW_SECONDS = 5.0
STREAM_BATCH_ATTEMPTS = 3
# What Powertools warns after each invocation that added no metric of its own (most workers' invocations).
EMPTY_METRICS_WARNING = "No application metrics to publish"


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def load_handler(function_name: str) -> Handler:
    module = importlib.import_module(f"functions.{function_name}.handler")
    return module.handler  # type: ignore[no-any-return]


def invoke(function_name: str, event: dict[str, Any]) -> Any:
    with acting_as(function_name):
        return load_handler(function_name)(event, LocalLambdaContext(function_name=function_name))


def ignore_empty_metrics_warning() -> None:
    """Keep Powertools' empty-metrics warning, which follows a worker invocation that added no metric of its own, out
    of the developer's terminal. The filter is the one Powertools' metrics documentation gives for functions that often
    add none; locally nothing is published anyway (POWERTOOLS_METRICS_DISABLED). In AWS the warning is left as it is."""
    warnings.filterwarnings("ignore", message=f"{EMPTY_METRICS_WARNING}.*", category=UserWarning)


def client_of(function_name: str, service: str) -> Any:
    """A client that signs as the function: for what its event source mapping reads in AWS with its role."""
    return boto3.client(
        service,
        region_name=LOCAL_REGION,
        aws_access_key_id=function_access_key(function_name),
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


def batching_window(consumer: StreamConsumer) -> float:
    """How long the pump lets a consumer's records gather between two reads of its stream: its batching window, at
    most LOCAL_BATCHING_WINDOW_SECONDS; STREAM_POLL_SECONDS for a consumer that Lambda invokes at once.

    Reading more often than the window cost more than it does in AWS: the review aggregator recounts each learner's
    day once per batch, and ran twice a second under load (about 5 ms of CPU per request of the study mix)."""
    return max(STREAM_POLL_SECONDS, min(float(consumer.batching_window_seconds), LOCAL_BATCHING_WINDOW_SECONDS))


def scheduled_event(rule_arn: str, when: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [rule_arn],
        "detail": {},
    }


def sqs_event(queue_arn: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": LOCAL_REGION,
            }
            for message in messages
        ]
    }


@dataclass(frozen=True)
class QueueRoute:
    """Messages of `queue_url` go to `function_name` (the worker Lambda of that queue in AWS)."""

    queue_url: str
    function_name: str
    invoke: Callable[[str, dict[str, Any]], Any] = invoke


class EventPump:
    def __init__(self, stage: str, routes: list[QueueRoute], *, schedules: bool = True) -> None:
        """`schedules=False` for a pump that only feeds queue workers (the model workers' own processes)."""
        self._stage = stage
        self._routes = routes
        self._schedules_and_streams = schedules
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = 0

    def start(self) -> None:
        ignore_empty_metrics_warning()
        for route in self._routes:
            self._spawn(f"queue:{route.function_name}", self._poll_queue, route)
        if not self._schedules_and_streams:
            return
        for scheduled in SCHEDULED_FUNCTIONS:
            self._spawn(f"schedule:{scheduled.name}", self._run_schedule, scheduled)
        for consumer in STREAM_CONSUMERS:
            self._spawn(f"stream:{consumer.name}", self._read_stream, consumer)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=POLL_WAIT_SECONDS + 5)

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_queue(self, route: QueueRoute) -> None:
        sqs = client_of(route.function_name, "sqs")
        queue_arn = sqs.get_queue_attributes(QueueUrl=route.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        while not self._stop.is_set():
            messages = sqs.receive_message(
                QueueUrl=route.queue_url,
                MaxNumberOfMessages=SQS_BATCH_SIZE,
                WaitTimeSeconds=POLL_WAIT_SECONDS,
                AttributeNames=["All"],
            ).get("Messages", [])
            if messages:
                self._deliver(sqs, route, queue_arn, messages)

    def _deliver(self, sqs: Any, route: QueueRoute, queue_arn: str, messages: list[dict[str, Any]]) -> None:
        try:
            response = route.invoke(route.function_name, sqs_event(queue_arn, messages)) or {}
        except Exception:
            # Like Lambda: the whole batch becomes visible again after the visibility timeout.
            logger.exception("worker failed", extra={"function": route.function_name})
            return
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        for message in done:
            sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.delivered += len(done)

    def _run_schedule(self, scheduled: ScheduledFunction) -> None:
        events = boto3.client("events", region_name=LOCAL_REGION)
        rule = events.describe_rule(Name=physical_name(self._stage, scheduled.name))
        while not self._stop.is_set():
            if rule["State"] == "ENABLED":
                try:
                    invoke(scheduled.name, scheduled_event(rule["Arn"], datetime.now(UTC)))
                except Exception:
                    logger.exception("scheduled function failed", extra={"function": scheduled.name})
            self._stop.wait(scheduled.every_seconds)

    def _read_stream(self, consumer: StreamConsumer) -> None:
        table = physical_name(self._stage, consumer.table)
        stream_arn = boto3.client("dynamodb", region_name=LOCAL_REGION).describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        streams = client_of(consumer.name, "dynamodbstreams")
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        # A fresh iterator after the last record delivered, on every poll, rather than following
        # NextShardIterator: moto rolls a cancelled transaction back by restoring a copy of the table, and an
        # iterator taken before that keeps reading the discarded copy's shard, which never grows again.
        delivered_up_to: dict[str, str | None] = {shard["ShardId"]: None for shard in shards}
        while not self._stop.is_set():
            full = False
            for shard_id, sequence_number in delivered_up_to.items():
                position = (
                    {"ShardIteratorType": "TRIM_HORIZON"}
                    if sequence_number is None
                    else {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": sequence_number}
                )
                iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **position)
                response = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=consumer.batch_size)
                if response["Records"]:
                    self._deliver_stream_batch(consumer, stream_arn, response["Records"])
                    delivered_up_to[shard_id] = response["Records"][-1]["dynamodb"]["SequenceNumber"]
                    full = full or len(response["Records"]) >= consumer.batch_size
            if not full:  # a full batch may have more behind it: read on at once
                self._stop.wait(batching_window(consumer))

    def _deliver_stream_batch(self, consumer: StreamConsumer, stream_arn: str, records: list[dict[str, Any]]) -> None:
        event = {"Records": [{**record, "eventSourceARN": stream_arn} for record in records]}
        for _ in range(STREAM_BATCH_ATTEMPTS):
            try:
                response = invoke(consumer.name, event) or {}
            except Exception:
                logger.exception("stream consumer failed", extra={"function": consumer.name})
                continue
            if not response.get("batchItemFailures"):
                self.delivered += len(records)
                return
        logger.error("stream batch skipped after retries", extra={"function": consumer.name, "records": len(records)})
