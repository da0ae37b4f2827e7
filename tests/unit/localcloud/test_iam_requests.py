"""What each request a client signs asks of IAM: the caller, and the actions on resources AWS authorizes it with.

Every request here is the one boto3 would send (tests/aws_requests.py), captured before it leaves."""

import json
from typing import Any

import pytest

from localcloud.iam.evaluation import Authorization
from localcloud.iam.requests import Caller, HttpRequest, RequestedAccess, caller_of, requested_access
from tests.aws_requests import client, signed_environ, upload_environ, url_environ

ACCOUNT = "123456789012"
REGION = "us-east-1"
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
BUCKET = "kotoba-local-media"
QUEUE_URL = f"http://127.0.0.1:4566/{ACCOUNT}/kotoba-local-ocr-jobs"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:kotoba-local-ocr-jobs"
CURSOR_SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:kotoba-local-cursor-key-Ab12Cd"
AT_REGION = {"aws:requestedregion": REGION}


class EmulatorState:
    """Stands in for what the emulator holds: one secret, and a verified domain."""

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        return CURSOR_SECRET_ARN if secret_id in ("kotoba-local-cursor-key", CURSOR_SECRET_ARN) else None

    def sending_identity(self, region: str, address: str) -> str:
        return "mail.example.org" if address.endswith("@mail.example.org") else address


def requested(environ: dict[str, Any]) -> tuple[Caller | None, RequestedAccess]:
    request = HttpRequest(environ)
    caller = caller_of(request)
    return caller, requested_access(request, caller, account=ACCOUNT, default_region=REGION, lookup=EmulatorState())


def pairs(access: RequestedAccess) -> list[tuple[str, str]]:
    return [(a.action, a.resource) for a in access.authorizations]


def dynamodb(operation: str, **parameters: Any) -> RequestedAccess:
    return requested(signed_environ(client("dynamodb", "local-study_api"), operation, **parameters))[1]


KEY = {"user_id": {"S": "u1"}}


def test_the_caller_is_the_access_key_of_the_signature_with_its_service_and_region() -> None:
    caller, access = requested(
        signed_environ(client("dynamodb", "local-study_api"), "get_item", TableName="t", Key=KEY)
    )

    assert caller == Caller("local-study_api", service="dynamodb", region=REGION)
    assert access.service == "dynamodb" and access.style == "json"


def test_dynamodb_item_calls_are_authorized_on_their_table_and_a_query_on_its_index() -> None:
    assert pairs(dynamodb("get_item", TableName="kotoba-local-users", Key=KEY)) == [
        ("dynamodb:GetItem", f"{TABLES}/kotoba-local-users")
    ]
    assert pairs(dynamodb("update_item", TableName="kotoba-local-users", Key=KEY)) == [
        ("dynamodb:UpdateItem", f"{TABLES}/kotoba-local-users")
    ]
    assert pairs(
        dynamodb(
            "query",
            TableName="kotoba-local-users",
            IndexName="by_signup",
            KeyConditionExpression="k = :k",
            ExpressionAttributeValues={":k": {"S": "x"}},
        )
    ) == [("dynamodb:Query", f"{TABLES}/kotoba-local-users/index/by_signup")]
    assert pairs(dynamodb("describe_table", TableName="kotoba-local-jobs")) == [
        ("dynamodb:DescribeTable", f"{TABLES}/kotoba-local-jobs")
    ]
    assert pairs(dynamodb("list_tables")) == [("dynamodb:ListTables", "*")]


def test_dynamodb_batches_are_authorized_on_each_table() -> None:
    read = dynamodb(
        "batch_get_item", RequestItems={"kotoba-local-users": {"Keys": [KEY]}, "kotoba-local-jobs": {"Keys": [KEY]}}
    )
    write = dynamodb(
        "batch_write_item",
        RequestItems={"kotoba-local-daily_stats": [{"PutRequest": {"Item": KEY}}, {"DeleteRequest": {"Key": KEY}}]},
    )

    assert pairs(read) == [
        ("dynamodb:BatchGetItem", f"{TABLES}/kotoba-local-users"),
        ("dynamodb:BatchGetItem", f"{TABLES}/kotoba-local-jobs"),
    ]
    assert pairs(write) == [("dynamodb:BatchWriteItem", f"{TABLES}/kotoba-local-daily_stats")]


def test_transactions_are_authorized_as_the_item_actions_they_are_made_of() -> None:
    get = dynamodb(
        "transact_get_items",
        TransactItems=[
            {"Get": {"TableName": "kotoba-local-users", "Key": KEY}},
            {"Get": {"TableName": "kotoba-local-auth_sessions", "Key": KEY}},
        ],
    )
    write = dynamodb(
        "transact_write_items",
        TransactItems=[
            {"Put": {"TableName": "kotoba-local-review_logs", "Item": KEY}},
            {
                "Update": {
                    "TableName": "kotoba-local-progress",
                    "Key": KEY,
                    "UpdateExpression": "SET a = :a",
                    "ExpressionAttributeValues": {":a": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": "kotoba-local-idempotency", "Key": KEY}},
            {
                "ConditionCheck": {
                    "TableName": "kotoba-local-users",
                    "Key": KEY,
                    "ConditionExpression": "attribute_exists(user_id)",
                }
            },
        ],
    )

    assert pairs(get) == [
        ("dynamodb:GetItem", f"{TABLES}/kotoba-local-users"),
        ("dynamodb:GetItem", f"{TABLES}/kotoba-local-auth_sessions"),
    ]
    assert pairs(write) == [
        ("dynamodb:PutItem", f"{TABLES}/kotoba-local-review_logs"),
        ("dynamodb:UpdateItem", f"{TABLES}/kotoba-local-progress"),
        ("dynamodb:DeleteItem", f"{TABLES}/kotoba-local-idempotency"),
        ("dynamodb:ConditionCheckItem", f"{TABLES}/kotoba-local-users"),
    ]


def test_stream_reads_are_authorized_on_the_stream() -> None:
    stream = f"{TABLES}/kotoba-local-review_logs/stream/2026-12-07T10:00:00.000"
    streams = client("dynamodbstreams", "local-review_aggregator")
    iterator = f"{stream}|1|c2hhcmQtaXRlcmF0b3I="  # the emulator's shard iterators begin with their stream's ARN

    assert pairs(requested(signed_environ(streams, "describe_stream", StreamArn=stream))[1]) == [
        ("dynamodb:DescribeStream", stream)
    ]
    assert pairs(requested(signed_environ(streams, "get_records", ShardIterator=iterator))[1]) == [
        ("dynamodb:GetRecords", stream)
    ]
    shard = requested(
        signed_environ(
            streams,
            "get_shard_iterator",
            StreamArn=stream,
            ShardId="shardId-00000001700000000000-0a1b2c3d",
            ShardIteratorType="TRIM_HORIZON",
        )
    )[1]
    assert pairs(shard) == [("dynamodb:GetShardIterator", stream)]


def s3(access_key: str, operation: str, **parameters: Any) -> tuple[Caller | None, RequestedAccess]:
    return requested(signed_environ(client("s3", access_key), operation, **parameters))


def test_reading_an_object_brings_the_listing_that_decides_a_missing_key() -> None:
    # When the media function asks whether a cached TTS file exists
    caller, head = s3("local-media_api", "head_object", Bucket=BUCKET, Key="tts/ab12.wav")

    # Then it needs GetObject on the key, and S3 answers a missing key as its ListBucket on that key allows
    assert caller is not None and caller.access_key == "local-media_api"
    assert head.authorizations == (Authorization("s3:GetObject", f"arn:aws:s3:::{BUCKET}/tts/ab12.wav", AT_REGION),)
    assert head.if_missing == Authorization(
        "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", {"s3:prefix": "tts/ab12.wav", **AT_REGION}
    )
    assert head.head and head.style == "rest-xml"
    get = s3("local-ocr_worker", "get_object", Bucket=BUCKET, Key="uploads/ocr/u1/写真 1.jpg", Range="bytes=0-10")[1]
    assert pairs(get) == [("s3:GetObject", f"arn:aws:s3:::{BUCKET}/uploads/ocr/u1/写真 1.jpg")]
    assert get.if_missing is not None and not get.head


def test_object_writes_and_removals() -> None:
    assert pairs(s3("local-media_api", "put_object", Bucket=BUCKET, Key="tts/a.wav", Body=b"RIFF")[1]) == [
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/tts/a.wav")
    ]
    assert pairs(s3("local-study_api", "delete_object", Bucket=BUCKET, Key="exports/u1/e.json")[1]) == [
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/exports/u1/e.json")
    ]
    copy = s3(
        "local-media_api",
        "copy_object",
        Bucket=BUCKET,
        Key="tts/b.wav",
        CopySource={"Bucket": BUCKET, "Key": "tts/a.wav"},
    )
    assert pairs(copy[1]) == [
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/tts/b.wav"),
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/tts/a.wav"),
    ]
    removal = s3(
        "local-study_api",
        "delete_objects",
        Bucket=BUCKET,
        Delete={"Objects": [{"Key": "exports/a"}, {"Key": "exports/b"}]},
    )
    assert pairs(removal[1]) == [
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/exports/a"),
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/exports/b"),
    ]


def test_listing_carries_its_prefix_and_head_bucket_none() -> None:
    listing = s3("local-media_api", "list_objects_v2", Bucket=BUCKET, Prefix="tts/")[1]
    head = s3("local-admin_api", "head_bucket", Bucket=BUCKET)[1]

    assert listing.authorizations == (
        Authorization("s3:ListBucket", f"arn:aws:s3:::{BUCKET}", {"s3:prefix": "tts/", **AT_REGION}),
    )
    assert head.authorizations == (Authorization("s3:ListBucket", f"arn:aws:s3:::{BUCKET}", AT_REGION),)


def test_a_presigned_download_is_authorized_as_its_signer() -> None:
    url = client("s3", "local-media_api").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "tts/a.wav"}
    )

    caller, access = requested(url_environ("GET", url))

    assert caller == Caller("local-media_api")  # botocore presigns S3 with signature version 2: no scope
    assert pairs(access) == [("s3:GetObject", f"arn:aws:s3:::{BUCKET}/tts/a.wav")]


def test_a_browser_upload_is_authorized_as_the_signer_of_its_policy() -> None:
    post = client("s3", "local-media_api").generate_presigned_post(
        BUCKET,
        "uploads/ocr/u1/p.jpg",
        Fields={"Content-Type": "image/jpeg"},
        Conditions=[{"Content-Type": "image/jpeg"}],
    )
    environ = upload_environ(post, b"\xff\xd8\xff jpeg bytes")
    sent = environ["wsgi.input"].getvalue()

    caller, access = requested(environ)

    assert caller == Caller("local-media_api")
    assert pairs(access) == [("s3:PutObject", f"arn:aws:s3:::{BUCKET}/uploads/ocr/u1/p.jpg")]
    assert environ["wsgi.input"].read() == sent  # left whole for S3


def test_sqs_calls_are_authorized_on_the_queue_and_batches_as_their_single_action() -> None:
    sqs = client("sqs", "local-ocr_worker")

    receive = requested(signed_environ(sqs, "receive_message", QueueUrl=QUEUE_URL, WaitTimeSeconds=1))[1]
    delete = requested(
        signed_environ(sqs, "delete_message_batch", QueueUrl=QUEUE_URL, Entries=[{"Id": "1", "ReceiptHandle": "r"}])
    )[1]
    by_name = requested(signed_environ(sqs, "get_queue_url", QueueName="kotoba-local-ocr-jobs"))[1]

    assert pairs(receive) == [("sqs:ReceiveMessage", QUEUE_ARN)]
    assert pairs(delete) == [("sqs:DeleteMessage", QUEUE_ARN)]
    assert pairs(by_name) == [("sqs:GetQueueUrl", QUEUE_ARN)]
    assert receive.style == "json"


def test_a_send_is_authorized_on_the_identity_that_covers_the_sender_from_that_address() -> None:
    ses = client("ses", "local-auth_api")
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}

    by_address = requested(
        signed_environ(
            ses, "send_email", Source="no-reply@kotoba.local", Destination={"ToAddresses": ["a@b.c"]}, Message=message
        )
    )[1]
    by_domain = requested(
        signed_environ(
            ses,
            "send_email",
            Source="Kotoba <no-reply@mail.example.org>",
            Destination={"ToAddresses": ["a@b.c"]},
            Message=message,
        )
    )[1]

    assert by_address.authorizations == (
        Authorization(
            "ses:SendEmail",
            f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/no-reply@kotoba.local",
            {"ses:fromaddress": "no-reply@kotoba.local", **AT_REGION},
        ),
    )
    assert by_domain.authorizations == (
        Authorization(
            "ses:SendEmail",
            f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/mail.example.org",
            {"ses:fromaddress": "no-reply@mail.example.org", **AT_REGION},
        ),
    )
    assert by_address.style == "query"


def test_parameters_by_name_and_secrets_by_their_full_arn() -> None:
    ssm = client("ssm", "local-study_api")
    secrets = client("secretsmanager", "local-study_api")
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/kotoba/local/jwt-verification-keys"

    assert pairs(requested(signed_environ(ssm, "get_parameter", Name="/kotoba/local/jwt-verification-keys"))[1]) == [
        ("ssm:GetParameter", parameter)
    ]
    assert pairs(requested(signed_environ(ssm, "get_parameters", Names=["/a", "b"]))[1]) == [
        ("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/a"),
        ("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/b"),
    ]
    assert pairs(requested(signed_environ(secrets, "get_secret_value", SecretId="kotoba-local-cursor-key"))[1]) == [
        ("secretsmanager:GetSecretValue", CURSOR_SECRET_ARN)
    ]
    # a secret that does not exist has no suffix: IAM decides on its name alone
    assert pairs(requested(signed_environ(secrets, "get_secret_value", SecretId="missing"))[1]) == [
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:missing")
    ]


def test_speech_synthesis_is_authorized_on_star_in_the_requested_region() -> None:
    polly = client("polly", "local-media_api")

    access = requested(
        signed_environ(polly, "synthesize_speech", Text="こんにちは", OutputFormat="mp3", VoiceId="Kazuha")
    )[1]

    assert access.authorizations == (Authorization("polly:SynthesizeSpeech", "*", AT_REGION),)
    assert access.style == "rest-json"


def test_other_calls_are_named_by_service_and_operation_on_star() -> None:
    events = requested(signed_environ(client("events", "local-job_janitor"), "list_rules"))[1]

    assert pairs(events) == [("events:ListRules", "*")]


@pytest.mark.parametrize(
    "environ",
    [
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/kotoba-local-media/tts/a.wav", "QUERY_STRING": ""},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "HTTP_AUTHORIZATION": "Bearer x"},
    ],
    ids=["unsigned", "not an AWS signature"],
)
def test_a_request_without_an_aws_signature_has_no_caller(environ: dict[str, Any]) -> None:
    assert caller_of(HttpRequest({**environ, "wsgi.input": None})) is None


def test_the_body_read_for_the_decision_is_left_whole_for_the_emulator() -> None:
    environ = signed_environ(client("dynamodb", "local-study_api"), "get_item", TableName="kotoba-local-users", Key=KEY)
    sent = environ["wsgi.input"].getvalue()

    requested(environ)

    assert environ["wsgi.input"].read() == sent
    assert json.loads(sent)["TableName"] == "kotoba-local-users"
