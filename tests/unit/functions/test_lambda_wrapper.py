"""The one wrapper of every function (shared/runtime.py: lambda_handler): each real handler, called in-process with
the event AWS sends it, publishes the ColdStart metric on its environment's first invocation only, and its log lines
carry the id AWS gives the invocation's work as correlation id."""

import ast
import importlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag

from infra.layout import FUNCTIONS_DIR, REPO_ROOT
from localcloud.pump import scheduled_event, sqs_event
from shared.catalog import API_FUNCTIONS
from shared.constants import METRICS_NAMESPACE, SERVICE_NAME
from shared.observability import correlation_id_of, logger
from shared.settings import get_settings
from tests.helpers import FakeLambdaContext, api_gateway_event

REGION, ACCOUNT = "us-east-1", "123456789012"
FUNCTIONS = sorted(path.parent.name for path in FUNCTIONS_DIR.glob("*/handler.py"))
# The Powertools decorators the wrapper stacks: any other module using one stacks its own wrapper.
WRAPPER_PARTS = {"inject_lambda_context", "capture_lambda_handler", "log_metrics"}
WRAPPER_MODULE = REPO_ROOT / "shared" / "runtime.py"


@dataclass(frozen=True)
class Invocation:
    event: dict[str, Any]
    correlation_id: str  # what AWS calls the event's work, spelled out per kind of event (not correlation_id_of)


def api_request(function: str) -> Invocation:
    """A request of one of the function's paths (an unknown one: any answer will do)."""
    (prefix, *_) = next(entry for entry in API_FUNCTIONS if entry.name == function).route_prefixes
    event = api_gateway_event("GET", f"/api/v1{prefix}/no-such-page")
    return Invocation(event, event["requestContext"]["requestId"])


def queue_message(body: dict[str, Any], queue: str) -> Invocation:
    message_id = str(uuid4())
    message = {"MessageId": message_id, "ReceiptHandle": "receipt", "Body": json.dumps(body),
               "Attributes": {"ApproximateReceiveCount": "1"}}  # fmt: skip
    return Invocation(sqs_event(f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}", [message]), message_id)


def s3_test_event() -> dict[str, Any]:
    """What S3 sends first to a queue it notifies: a message without S3 records, which the upload worker logs."""
    return {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": get_settings().media_bucket_name()}


def stream_record(table: str, event_name: str, keys: dict[str, Any], new_image: dict[str, Any]) -> Invocation:
    event_id = uuid4().hex
    record = {
        "eventID": event_id,
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/kotoba-test-{table}/stream/1",
        "dynamodb": {"Keys": keys, "NewImage": new_image, "SequenceNumber": "1", "StreamViewType": "NEW_IMAGE"},
    }
    return Invocation({"Records": [record]}, event_id)


def scheduled_run(function: str) -> Invocation:
    event = scheduled_event(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/kotoba-test-{function}", datetime.now(UTC))
    return Invocation(event, event["id"])


def rotation_step() -> Invocation:
    token = str(uuid4())
    event = {"Step": "createSecret", "SecretId": get_settings().signing_key_secret, "ClientRequestToken": token}
    return Invocation(event, token)


def sentence_deleted() -> Invocation:
    keys = {"sentence_id": {"S": str(uuid4())}}
    return stream_record("sentences", "REMOVE", keys, {})


def review_erased() -> Invocation:
    """A log deleted by the account's erasure, not by TTL: the archiver leaves it."""
    keys = {"user_id": {"S": "u1"}, "review_id": {"S": "r1"}}
    return stream_record("review_logs", "REMOVE", keys, {})


def review_changed() -> Invocation:
    keys = {"user_id": {"S": "u1"}, "review_id": {"S": "r1"}}
    return stream_record("review_logs", "MODIFY", keys, {**keys, "item_key": {"S": "sentence#s1"}})


# Each function under functions/ and an event of the kind AWS sends it, one the function handles quickly.
EVENTS: dict[str, Callable[[], Invocation]] = {
    **{entry.name: (lambda name=entry.name: api_request(name)) for entry in API_FUNCTIONS},
    "ocr_worker": lambda: queue_message(s3_test_event(), "kotoba-test-ocr-jobs"),
    "speech_worker": lambda: queue_message(s3_test_event(), "kotoba-test-speech-jobs"),
    "account_jobs": lambda: queue_message({"job_id": "no-such-job"}, "kotoba-test-account-jobs"),
    "fsrs_fit": lambda: queue_message({"job_id": "no-such-job"}, "kotoba-test-fsrs-fits"),
    "readings_worker": sentence_deleted,
    "review_aggregator": review_changed,
    "review_archiver": review_erased,
    "job_janitor": lambda: scheduled_run("job_janitor"),
    "streak_check": lambda: scheduled_run("streak_check"),
    "study_reminders": lambda: scheduled_run("study_reminders"),
    "jwt_key_rotation": rotation_step,
}


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines the function's logger writes (its own stream was bound to stdout before pytest captured it)."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    logger.removeHandler(handler)


def metric_blobs(stdout: str) -> list[dict[str, Any]]:
    """The metrics an invocation published: the CloudWatch embedded metric format objects it printed."""
    return [blob for line in stdout.splitlines() if line.startswith("{") and "_aws" in (blob := json.loads(line))]


def cold_start_metrics(stdout: str) -> list[dict[str, Any]]:
    """The ColdStart metrics printed, without their time."""
    found = [blob for blob in metric_blobs(stdout) if "ColdStart" in blob]
    for blob in found:
        del blob["_aws"]["Timestamp"]
    return found


def cold_start_metric(function_name: str) -> dict[str, Any]:
    return {
        "_aws": {
            "CloudWatchMetrics": [
                {
                    "Namespace": METRICS_NAMESPACE,
                    "Dimensions": [["function_name", "service"]],
                    "Metrics": [{"Name": "ColdStart", "Unit": "Count"}],
                }
            ]
        },
        "function_name": function_name,
        "service": SERVICE_NAME,
        "ColdStart": [1.0],
    }


def handler_of(function: str) -> Callable[[dict[str, Any], FakeLambdaContext], Any]:
    return importlib.import_module(f"functions.{function}.handler").handler  # type: ignore[no-any-return]


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_publishes_its_cold_start_once_and_logs_its_events_correlation_id(
    function: str, capsys: pytest.CaptureFixture[str], log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    # Given the function's handler in a fresh execution environment, and two events AWS sends it
    handler = handler_of(function)
    first, second = EVENTS[function](), EVENTS[function]()
    first_context, second_context = FakeLambdaContext(), FakeLambdaContext()
    reset_cold_start_flag()

    # When it is invoked with the first event (and a line is logged in the context it leaves)
    handler(first.event, first_context)
    logger.info("after the first invocation")
    first_stdout = capsys.readouterr().out

    # Then that invocation published the ColdStart metric, and every line it logged carries the event's id
    assert cold_start_metrics(first_stdout) == [cold_start_metric(first_context.function_name)]
    lines = log_lines()
    assert [line["correlation_id"] for line in lines] == [first.correlation_id] * len(lines)
    assert lines[-1]["message"] == "after the first invocation"

    # And when it is invoked again, the second invocation publishes no ColdStart and logs the second event's id
    handler(second.event, second_context)
    logger.info("after the second invocation")
    assert cold_start_metrics(capsys.readouterr().out) == []
    second_lines = log_lines()[len(lines) :]
    assert [line["correlation_id"] for line in second_lines] == [second.correlation_id] * len(second_lines)
    assert second_lines[-1]["message"] == "after the second invocation"


@pytest.mark.usefixtures("aws")
def test_each_record_handled_on_its_own_logs_its_own_id(log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    # Given a batch of two messages for an upload worker, each logged as it is handled (S3's test events)
    first, second = (
        queue_message(s3_test_event(), "kotoba-test-ocr-jobs"),
        queue_message(s3_test_event(), "kotoba-test-ocr-jobs"),
    )
    batch = {"Records": [*first.event["Records"], *second.event["Records"]]}

    # When the worker handles the batch (and a line is logged in the context it leaves)
    handler_of("ocr_worker")(batch, FakeLambdaContext())
    logger.info("after the batch")

    # Then each message's line carries that message's id, and the batch is known by its first message's id
    assert [(line["message"], line["correlation_id"]) for line in log_lines()] == [
        ("ignored a message without S3 records", first.correlation_id),
        ("ignored a message without S3 records", second.correlation_id),
        ("after the batch", first.correlation_id),
    ]


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": []}, {"requestContext": {}}],
    ids=["a direct invocation's own payload", "an empty batch", "a request without an id"],
)
def test_an_event_without_an_id_from_aws_has_no_correlation_id(event: dict[str, Any]) -> None:
    assert correlation_id_of(event) is None


def test_no_module_but_the_wrapper_stacks_the_powertools_handler_decorators() -> None:
    # Given every module of the functions and of the shared package
    modules = [*FUNCTIONS_DIR.rglob("*.py"), *(REPO_ROOT / "shared").rglob("*.py")]

    # When the Powertools handler decorators they use are listed
    users = {
        str(path.relative_to(REPO_ROOT))
        for path in modules
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in WRAPPER_PARTS
    }

    # Then only the one wrapper uses them
    assert users == {str(WRAPPER_MODULE.relative_to(REPO_ROOT))}
