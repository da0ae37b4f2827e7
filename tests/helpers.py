"""Builders of the events AWS hands to functions, the error-shape assertion every API test uses, S3's errors, and
the stand-in analysis of an upload worker."""

import json
from typing import Any
from uuid import uuid4
from xml.etree import ElementTree

from httpx import Response

from shared.domain.media import MediaAnalysis, MediaClaim, PhotoAnalysis, RecordingAnalysis
from shared.enums import MediaKind


def api_gateway_event(
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway sends it to the API functions."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/test{path}",
            "stage": "test",
            "requestId": str(uuid4()),
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"},
            "accountId": "123456789012",
            "apiId": "api1234",
            "protocol": "HTTP/1.1",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class FakeLambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"

    def __init__(self, remaining_ms: int = 10_000) -> None:
        self.aws_request_id = str(uuid4())
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def assert_error(response: Response | dict[str, Any], status: int, code: str) -> dict[str, Any]:
    """The one error shape: status, a stable code, a message, details, and the request id of the header."""
    if isinstance(response, dict):
        actual_status, body, header_id = response["statusCode"], json.loads(response["body"]), None
        header_id = {k.lower(): v for k, v in response.get("headers", {}).items()}.get("x-request-id")
    else:
        actual_status, body, header_id = (
            response.status_code,
            response.json(),
            response.headers.get("x-request-id"),
        )
    assert actual_status == status, body
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == header_id
    return error  # type: ignore[no-any-return]


def add_word(client: Any, admin_headers: dict[str, str], hiragana: str, romaji: str) -> str:
    """An admin's new N5 noun (its meaning its romaji), by the API: its id."""
    body = {
        "hiragana": hiragana,
        "romaji": romaji,
        "english_meanings": [romaji],
        "part_of_speech": "noun",
        "jlpt_level": "n5",
    }
    response = client.post("/api/v1/learning/vocabulary", headers=admin_headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def s3_error(body: str | bytes) -> dict[str, str]:
    """The members of an S3 error document (`<Error><Code>…</Code><Message>…</Message>…</Error>`), in order."""
    error = ElementTree.fromstring(body)  # noqa: S314  # an emulator's answer, in a test
    assert error.tag == "Error", body
    return {member.tag: member.text or "" for member in error}


_delivered: dict[str, str] = {}  # stream → the last sequence number handed to the aggregator


def aggregate_reviews(stage: str = "test") -> dict[str, Any] | None:
    """What the event pump does after reviews, in-process: the review log's new stream records since the last
    call, handed to the review aggregator as Lambda hands them. None when there were none."""
    import boto3

    from functions.review_aggregator.handler import handler
    from shared.constants import physical_name

    table = physical_name(stage, "review_logs")
    description = boto3.client("dynamodb").describe_table(TableName=table)["Table"]
    stream_arn = description["LatestStreamArn"]
    position_key = f"{stream_arn}@{description['CreationDateTime']}"  # each test's emulator makes its own table
    # botocore resolves the streams endpoint from the ARN to an account-based host that moto's in-process mock
    # does not intercept ("Not yet implemented"); the regional host it does.
    region = boto3.session.Session().region_name
    streams = boto3.client("dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]  # fmt: skip
        records += streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    last = _delivered.get(position_key)
    fresh = [r for r in records if last is None or int(r["dynamodb"]["SequenceNumber"]) > int(last)]
    if not fresh:
        return None
    _delivered[position_key] = fresh[-1]["dynamodb"]["SequenceNumber"]
    result: dict[str, Any] = handler(
        {"Records": [{**record, "eventSourceARN": stream_arn} for record in fresh]}, FakeLambdaContext()
    )
    return result


def stand_in_analysis(claim: MediaClaim, data: bytes, text: str = "") -> MediaAnalysis:
    """What a worker's analyser returns, without a model: the file's size and `text` as read or heard."""
    if claim.kind == MediaKind.OCR:
        return PhotoAnalysis(
            image_size_bytes=len(data), image_format="png", image_width=8, image_height=8, extracted_text=text,
            confidence_score=1.0, language_detected=None, japanese_sentences=[], furigana=[], processed_sentences=[],
            ocr_engine_used="stand-in", processing_time_ms=1, lines=len(text.splitlines()), vertical=False,
        )  # fmt: skip
    return RecordingAnalysis(
        file_size_bytes=len(data), audio_format="wav", duration_seconds=1.0, sample_rate=16_000,
        transcribed_text=text, confidence_score=1.0, language_detected="ja",
    )  # fmt: skip
