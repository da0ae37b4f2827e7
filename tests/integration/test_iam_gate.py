"""The emulator's IAM gate as clients meet it: botocore reads each refusal as the service's AccessDenied, a phone's
presigned upload and download are authorized as the function that signed them, and S3 tells a missing key from a
refused one only to a caller that may list it. One emulator process for the module."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from localcloud.emulator import LOCAL_MEDIA_BUCKET, LOCAL_SES_SENDER, Emulator, start_emulator
from localcloud.identity import TOOLING_ACCESS_KEY
from shared.constants import physical_name, signing_key_secret_name, verification_keys_parameter_name
from shared.dal.tables import table_definitions
from shared.settings import LOCAL_STAGE
from tests.aws_requests import client
from tests.integration.conftest import free_port

pytestmark = pytest.mark.slow

USERS = physical_name(LOCAL_STAGE, "users")
PROGRESS = physical_name(LOCAL_STAGE, "progress")
OCR_QUEUE = physical_name(LOCAL_STAGE, "ocr-jobs")
SIGNING_KEY = signing_key_secret_name(LOCAL_STAGE)
UPLOAD = "uploads/ocr/u1/photo.jpg"
CACHED = "tts/cached.wav"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """An emulator holding what these tests touch, created with the tooling key (as provisioning does)."""
    running = start_emulator(free_port())
    try:

        def tooling(service: str) -> Any:
            return client(service, TOOLING_ACCESS_KEY, running.endpoint_url)

        for definition in table_definitions():
            if definition.logical_name in ("users", "progress"):
                name = physical_name(LOCAL_STAGE, definition.logical_name)
                tooling("dynamodb").create_table(**definition.create_table_request(name))
        tooling("s3").create_bucket(Bucket=LOCAL_MEDIA_BUCKET)
        tooling("s3").put_object(Bucket=LOCAL_MEDIA_BUCKET, Key=UPLOAD, Body=b"\xff\xd8\xff")
        tooling("s3").put_object(Bucket=LOCAL_MEDIA_BUCKET, Key=CACHED, Body=b"RIFF")
        tooling("sqs").create_queue(QueueName=OCR_QUEUE)
        tooling("secretsmanager").create_secret(Name=SIGNING_KEY, SecretString=json.dumps({"placeholder": True}))
        tooling("ses").verify_email_identity(EmailAddress=LOCAL_SES_SENDER)
        yield running
    finally:
        running.stop()


def as_function(emulator: Emulator, function: str, service: str) -> Any:
    return client(service, f"local-{function}", emulator.endpoint_url)


def refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call()
    return dict(refused.value.response)


def test_dynamodb_refuses_a_table_outside_the_role_with_access_denied_exception(emulator: Emulator) -> None:
    # Given the auth function, granted the users table and not the learners' progress
    dynamodb = as_function(emulator, "auth_api", "dynamodb")
    key = {"user_id": {"S": "u1"}}

    # When it reads both
    allowed = dynamodb.get_item(TableName=USERS, Key=key)
    refused = refusal(lambda: dynamodb.query(TableName=PROGRESS, KeyConditionExpression="user_id = :u",
                                             ExpressionAttributeValues={":u": {"S": "u1"}}))  # fmt: skip

    # Then the first is answered, the second refused as DynamoDB refuses, naming who, what and where
    assert "Item" not in allowed
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "User: arn:aws:sts::123456789012:assumed-role/auth_api/local-auth_api is not authorized to perform: "
        f"dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:123456789012:table/{PROGRESS} because no "
        "identity-based policy allows the dynamodb:Query action",
    }


def test_the_tooling_key_is_unrestricted(emulator: Emulator) -> None:
    dynamodb = client("dynamodb", TOOLING_ACCESS_KEY, emulator.endpoint_url)

    assert dynamodb.scan(TableName=PROGRESS)["Items"] == []  # a Scan no role has


def test_a_missing_tts_key_is_a_404_for_the_media_function_and_a_403_without_listing(emulator: Emulator) -> None:
    # Given the media function, which may read and list the TTS cache, and the OCR worker, which may only read
    # its uploads
    media = as_function(emulator, "media_api", "s3")
    ocr = as_function(emulator, "ocr_worker", "s3")
    study = as_function(emulator, "study_api", "s3")

    # When each asks for a key that is missing, or there
    missing_tts = refusal(lambda: media.head_object(Bucket=LOCAL_MEDIA_BUCKET, Key="tts/missing.wav"))
    study_tts = refusal(lambda: study.head_object(Bucket=LOCAL_MEDIA_BUCKET, Key="tts/missing.wav"))
    missing_upload = refusal(lambda: ocr.head_object(Bucket=LOCAL_MEDIA_BUCKET, Key="uploads/ocr/u1/missing.jpg"))
    read_missing = refusal(lambda: ocr.get_object(Bucket=LOCAL_MEDIA_BUCKET, Key="uploads/ocr/u1/missing.jpg"))

    # Then S3's answers: 404 to who may list the prefix, 403 to anyone else; an existing key reads either way
    assert missing_tts["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert study_tts["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert missing_upload["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert read_missing["Error"]["Code"] == "AccessDenied"
    assert "s3:ListBucket on resource: arn:aws:s3:::kotoba-local-media" in read_missing["Error"]["Message"]
    assert media.head_object(Bucket=LOCAL_MEDIA_BUCKET, Key=CACHED)["ContentLength"] == 4
    assert ocr.get_object(Bucket=LOCAL_MEDIA_BUCKET, Key=UPLOAD)["Body"].read() == b"\xff\xd8\xff"


def test_the_review_archive_is_rewritten_by_the_archiver_read_by_the_export_and_deleted_by_the_account_jobs(
    emulator: Emulator,
) -> None:
    # Given the archiver, the study API (the export) and the account-jobs worker (the export as a job, the deletion)
    archiver = as_function(emulator, "review_archiver", "s3")
    study = as_function(emulator, "study_api", "s3")
    account_jobs = as_function(emulator, "account_jobs", "s3")
    month = "review-archive/u1/2025-10.jsonl.gz"

    # When the archiver looks for a month not archived yet, Then it is told it is missing (a 404: it may list there)
    assert refusal(lambda: archiver.get_object(Bucket=LOCAL_MEDIA_BUCKET, Key=month))["Error"]["Code"] == "NoSuchKey"

    # And it may write the month, but delete nothing and write nowhere else
    archiver.put_object(Bucket=LOCAL_MEDIA_BUCKET, Key=month, Body=b"archived")
    assert refusal(lambda: archiver.delete_object(Bucket=LOCAL_MEDIA_BUCKET, Key=month))["Error"]["Code"] == (
        "AccessDenied"
    )
    elsewhere = refusal(lambda: archiver.put_object(Bucket=LOCAL_MEDIA_BUCKET, Key="exports/u1/x.json", Body=b"x"))
    assert elsewhere["Error"]["Code"] == "AccessDenied"

    # And the study API lists and reads the learner's archive, and cannot change it
    listed = study.list_objects_v2(Bucket=LOCAL_MEDIA_BUCKET, Prefix="review-archive/u1/")["Contents"]
    assert [item["Key"] for item in listed] == [month]
    assert study.get_object(Bucket=LOCAL_MEDIA_BUCKET, Key=month)["Body"].read() == b"archived"
    overwrite = refusal(lambda: study.put_object(Bucket=LOCAL_MEDIA_BUCKET, Key=month, Body=b"changed"))
    assert overwrite["Error"]["Code"] == "AccessDenied"

    # And the account-jobs worker deletes it with the account
    account_jobs.delete_objects(Bucket=LOCAL_MEDIA_BUCKET, Delete={"Objects": [{"Key": month}], "Quiet": True})
    assert "Contents" not in study.list_objects_v2(Bucket=LOCAL_MEDIA_BUCKET, Prefix="review-archive/u1/")


def test_a_phones_upload_is_authorized_as_the_function_that_signed_its_policy(emulator: Emulator) -> None:
    # Given upload policies signed by the media function (which may write uploads/) and the study function (not)
    def upload(function: str, key: str) -> requests.Response:
        post = as_function(emulator, function, "s3").generate_presigned_post(LOCAL_MEDIA_BUCKET, key, ExpiresIn=60)
        return requests.post(post["url"], data=post["fields"], files={"file": b"\xff\xd8\xff new"}, timeout=10)

    # When a phone uploads with each
    accepted = upload("media_api", "uploads/ocr/u2/new.jpg")
    refused = upload("study_api", "uploads/ocr/u2/other.jpg")

    # Then S3 takes the first and refuses the second
    assert accepted.status_code == 204
    assert refused.status_code == 403 and "<Code>AccessDenied</Code>" in refused.text


def test_a_presigned_download_is_authorized_as_its_signer(emulator: Emulator) -> None:
    def download(function: str) -> requests.Response:
        url = as_function(emulator, function, "s3").generate_presigned_url(
            "get_object", Params={"Bucket": LOCAL_MEDIA_BUCKET, "Key": CACHED}
        )
        return requests.get(url, timeout=10)

    assert (download("media_api").status_code, download("media_api").content) == (200, b"RIFF")
    assert download("study_api").status_code == 403


def test_queues_secrets_parameters_and_mail_refuse_in_their_own_shape(emulator: Emulator) -> None:
    queue_url = client("sqs", TOOLING_ACCESS_KEY, emulator.endpoint_url).get_queue_url(QueueName=OCR_QUEUE)["QueueUrl"]
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}

    receive = refusal(lambda: as_function(emulator, "speech_worker", "sqs").receive_message(QueueUrl=queue_url))
    secret = refusal(
        lambda: as_function(emulator, "study_api", "secretsmanager").get_secret_value(SecretId=SIGNING_KEY)
    )
    parameter = refusal(lambda: as_function(emulator, "study_api", "ssm").put_parameter(
        Name=verification_keys_parameter_name(LOCAL_STAGE), Value="{}", Type="String", Overwrite=True))  # fmt: skip
    mail = refusal(lambda: as_function(emulator, "study_api", "ses").send_email(
        Source=LOCAL_SES_SENDER, Destination={"ToAddresses": ["a@example.org"]}, Message=message))  # fmt: skip

    assert [receive["Error"]["Code"], secret["Error"]["Code"], parameter["Error"]["Code"], mail["Error"]["Code"]] == [
        "AccessDenied",
        "AccessDeniedException",
        "AccessDeniedException",
        "AccessDenied",
    ]
    assert as_function(emulator, "ocr_worker", "sqs").receive_message(QueueUrl=queue_url).get("Messages") is None
    signing_key = as_function(emulator, "auth_api", "secretsmanager").get_secret_value(SecretId=SIGNING_KEY)
    assert json.loads(signing_key["SecretString"]) == {"placeholder": True}
    sent = as_function(emulator, "auth_api", "ses").send_email(
        Source=LOCAL_SES_SENDER, Destination={"ToAddresses": ["a@example.org"]}, Message=message
    )
    assert sent["MessageId"]
