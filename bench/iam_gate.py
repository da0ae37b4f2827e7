"""What the emulator's IAM gate (localcloud/iam) adds to each request: the gate in front of an application that
answers at once, against that application alone, on the requests the local API and workers send most (each as
botocore signs it, tests/aws_requests.py), signed as the function that sends it in the local cloud.

The budget (issue: local IAM) is 0.2 ms a request; moto itself spends ~1 ms on a small DynamoDB call.
`python bench/iam_gate.py [--rounds N]`
"""

import argparse
import io
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from localcloud.emulator import LOCAL_ACCOUNT, LOCAL_MEDIA_BUCKET, LOCAL_REGION, local_stage_arns  # noqa: E402
from localcloud.iam.gate import IamGate, MotoResources  # noqa: E402
from shared.iam_policy import role_statements  # noqa: E402
from tests.aws_requests import client, signed_environ  # noqa: E402

BUDGET_MS = 0.2
KEY = {"user_id": {"S": "9f1c0d1e-8a9b-4c5d-9e0f-1a2b3c4d5e6f"}, "review_id": {"S": "r-1"}}
USERS, SESSIONS = "kotoba-local-users", "kotoba-local-auth_sessions"


def answered_at_once(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()  # what moto does first
    start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
    return [b"{}"]


def requests_sent() -> dict[str, dict[str, Any]]:
    study, media, ocr = (client("dynamodb", f"local-{name}") for name in ("study_api", "media_api", "ocr_worker"))
    review = {"M": {"rating": {"S": "good"}, "due": {"S": "2026-12-08T10:00:00Z"}, "notes": {"S": "x" * 200}}}
    return {
        "authentication (TransactGetItems, 2)": signed_environ(
            study,
            "transact_get_items",
            TransactItems=[{"Get": {"TableName": t, "Key": KEY}} for t in (USERS, SESSIONS)],
        ),
        "GetItem": signed_environ(study, "get_item", TableName="kotoba-local-progress", Key=KEY),
        "Query on an index": signed_environ(
            study,
            "query",
            TableName="kotoba-local-sentences",
            IndexName="by_level",
            KeyConditionExpression="jlpt_level = :l",
            ExpressionAttributeValues={":l": {"S": "n5"}},
            Limit=50,
        ),
        "a review (TransactWriteItems, 4)": signed_environ(
            study,
            "transact_write_items",
            TransactItems=[
                {"Put": {"TableName": "kotoba-local-review_logs", "Item": {**KEY, "review": review}}},
                {"Put": {"TableName": "kotoba-local-progress", "Item": {**KEY, "card": review}}},
                {
                    "Update": {
                        "TableName": "kotoba-local-users",
                        "Key": KEY,
                        "UpdateExpression": "SET a = :a",
                        "ExpressionAttributeValues": {":a": {"N": "1"}},
                    }
                },
                {"ConditionCheck": {"TableName": SESSIONS, "Key": KEY, "ConditionExpression": "attribute_exists(k)"}},
            ],
        ),
        "BatchWriteItem (25)": signed_environ(
            ocr,
            "batch_write_item",
            RequestItems={
                "kotoba-local-sentences": [{"PutRequest": {"Item": {**KEY, "i": {"N": str(i)}}}} for i in range(25)]
            },
        ),
        "S3 HeadObject": signed_environ(
            client("s3", "local-media_api"), "head_object", Bucket=LOCAL_MEDIA_BUCKET, Key="tts/ab12cd.wav"
        ),
        "SQS ReceiveMessage": signed_environ(
            client("sqs", "local-ocr_worker"),
            "receive_message",
            QueueUrl=f"http://127.0.0.1:4566/{LOCAL_ACCOUNT}/kotoba-local-ocr-jobs",
            WaitTimeSeconds=1,
        ),
        "refused (GetItem off the role)": signed_environ(media, "get_item", TableName="kotoba-local-progress", Key=KEY),
        "tooling key": signed_environ(client("dynamodb", "local"), "get_item", TableName=USERS, Key=KEY),
    }


def seconds_per_request(app: Callable[..., Iterable[bytes]], environ: dict[str, Any], rounds: int) -> float:
    body = environ["wsgi.input"].getvalue()

    def start_response(*_: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(rounds):
        b"".join(app({**environ, "wsgi.input": io.BytesIO(body)}, start_response))
    return (time.perf_counter() - started) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5000)
    rounds = parser.parse_args().rounds
    gate = IamGate(
        answered_at_once,
        role_statements(local_stage_arns()),
        account=LOCAL_ACCOUNT,
        region=LOCAL_REGION,
        resources=MotoResources(LOCAL_ACCOUNT),
        log=lambda _: None,
    )
    print("| request | body | gate adds (ms) |\n|---|---|---|")
    worst = 0.0
    for name, environ in requests_sent().items():
        seconds_per_request(gate, environ, 50)  # each role compiled once, before timing
        added = min(
            seconds_per_request(gate, environ, rounds) - seconds_per_request(answered_at_once, environ, rounds)
            for _ in range(3)
        )
        worst = max(worst, added)
        print(f"| {name} | {len(environ['wsgi.input'].getvalue())} B | {added * 1000:.3f} |")
    print(f"\nworst {worst * 1000:.3f} ms a request; budget {BUDGET_MS} ms")


if __name__ == "__main__":
    main()
