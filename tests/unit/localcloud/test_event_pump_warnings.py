"""What the local event pump prints: Powertools' warning after an invocation that added no metric stays out of the
developer's terminal."""

import json
import warnings
from uuid import uuid4

import pytest

from localcloud import pump
from shared.settings import get_settings


def s3_test_message() -> dict[str, object]:
    """S3's test event, on an upload worker's queue: the worker logs it and adds no metric."""
    return {"MessageId": str(uuid4()), "ReceiptHandle": "receipt", "Body": json.dumps({"Event": "s3:TestEvent"})}


def empty_metrics_warnings(shown: list[warnings.WarningMessage]) -> list[str]:
    return [str(warning.message) for warning in shown if str(warning.message).startswith(pump.EMPTY_METRICS_WARNING)]


@pytest.mark.usefixtures("aws")
def test_the_pump_keeps_the_empty_metrics_warning_out_of_the_terminal() -> None:
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:kotoba-test-ocr-jobs"
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")  # a terminal that shows every warning each time it comes

        # Given an upload worker whose invocation adds no metric warns so, outside the pump
        pump.invoke("ocr_worker", pump.sqs_event(queue_arn, [s3_test_message()]))
        assert len(empty_metrics_warnings(shown)) == 1

        # When the local pump has started in this process (with nothing to poll) and invokes the worker again
        pump.EventPump(get_settings().stage, [], schedules=False).start()
        pump.invoke("ocr_worker", pump.sqs_event(queue_arn, [s3_test_message()]))

    # Then that invocation added no warning
    assert len(empty_metrics_warnings(shown)) == 1
