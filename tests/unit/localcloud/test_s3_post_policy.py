"""S3's checks of presigned POST uploads (localcloud/s3_post_policy.py): the checker against the tickets the API
hands out, and moto's bucket POST with the checker in front of it."""

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from moto import mock_aws

from localcloud import s3_post_policy
from localcloud.s3_post_policy import FormUpload, PostRefused, check
from shared.dal import media_storage
from shared.dal.clients import reset_clients
from shared.settings import get_settings
from tests.conftest import MOTO_MOCK_CREDENTIALS, SIGNING_SECRETS
from tests.helpers import s3_error

KEY = "uploads/ocr/user-1/record-1.png"
MAX_BYTES = 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 56
# The API signs its tickets with Signature Version 4 in every region (shared/dal/clients.py); botocore's own default
# would be version 2 in us-east-1 (a client without that setting still checks below).
SIGNATURE_FIELD = {
    "us-east-1": ("x-amz-signature", "X-Amz-Signature"),
    "eu-central-1": ("x-amz-signature", "X-Amz-Signature"),
}


@pytest.fixture(params=sorted(SIGNATURE_FIELD))
def region(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The region the API runs in, which decides how botocore signs its tickets."""
    monkeypatch.setenv("AWS_REGION", request.param)
    get_settings.cache_clear()
    reset_clients()
    return str(request.param)


def ticket() -> media_storage.UploadPolicy:
    """What the API hands a phone for a PNG of at most MAX_BYTES (signing needs no AWS: nothing is mocked)."""
    return media_storage.presigned_upload(KEY, "image/png", MAX_BYTES, datetime.now(UTC))


def form(
    issued: media_storage.UploadPolicy, region: str, data: bytes = PNG, *, without: str = "", **fields: str
) -> FormUpload:
    """The phone's POST of `data` under the ticket, with `fields` added or changed and the field `without` left out."""
    sent = {name: value for name, value in {**issued.fields, **fields}.items() if name != without}
    return FormUpload(
        bucket=get_settings().media_bucket_name(), bucket_region=region, fields=sent, file_name="photo.png",
        file_size=len(data),
    )  # fmt: skip


SIGNATURE_MISMATCH = (
    403, "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
)  # fmt: skip


def refusal(upload: FormUpload, now: datetime | None = None) -> PostRefused:
    with pytest.raises(PostRefused) as refused:
        check(upload, SIGNING_SECRETS, now or datetime.now(UTC))
    return refused.value


def answer(refused: PostRefused) -> tuple[int, str, str]:
    return refused.status, refused.code, refused.message


def condition_failed(condition: list[Any]) -> tuple[int, str, str]:
    return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"


class TestTheApisTickets:
    def test_the_upload_the_ticket_is_for_is_accepted(self, region: str) -> None:
        # Given a ticket for a PNG of at most MAX_BYTES, When the phone posts one of exactly MAX_BYTES
        upload = form(ticket(), region, b"\x89PNG" + b"\x00" * (MAX_BYTES - 4))

        # Then S3 takes it (and a field S3 ignores by its name changes nothing)
        check(upload, SIGNING_SECRETS, datetime.now(UTC))
        check(form(ticket(), region, **{"x-ignore-client": "kotoba-ios"}), SIGNING_SECRETS, datetime.now(UTC))

    def test_an_expired_ticket_is_refused(self, region: str) -> None:
        # Given a ticket, When its upload comes 15 minutes later
        upload = form(ticket(), region)
        later = datetime.now(UTC) + media_storage.UPLOAD_LIFETIME

        # Then S3 refuses it as expired
        assert answer(refusal(upload, later)) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")

    def test_a_policy_changed_after_signing_is_refused(self, region: str) -> None:
        # Given a ticket whose policy the phone rewrites to allow 100 times the size
        policy = ticket()
        document = json.loads(base64.b64decode(policy.fields["policy"]))
        document["conditions"] = [
            ["content-length-range", 1, MAX_BYTES * 100] if "content-length-range" in condition else condition
            for condition in document["conditions"]
        ]
        tampered = base64.b64encode(json.dumps(document).encode()).decode()

        # When it posts a file that the rewritten policy allows
        refused = refusal(form(policy, region, b"\x00" * MAX_BYTES * 2, policy=tampered))

        # Then the signature no longer matches what S3 computes over the policy it received
        assert answer(refused) == SIGNATURE_MISMATCH
        assert refused.elements["StringToSign"] == tampered

    def test_a_ticket_signed_with_another_secret_is_refused(self, region: str, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a ticket signed with a secret that is not the access key's
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        reset_clients()

        # When the phone posts under it
        refused = refusal(form(ticket(), region))

        # Then S3 refuses the signature
        assert answer(refused) == SIGNATURE_MISMATCH

    def test_an_unknown_access_key_is_refused(self, region: str, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a ticket signed with an access key S3 does not know
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOTAKEYOFTHISAWS")
        reset_clients()

        # When the phone posts under it
        refused = refusal(form(ticket(), region))

        # Then S3 names the key it does not know
        message = "The AWS Access Key Id you provided does not exist in our records."
        assert answer(refused) == (403, "InvalidAccessKeyId", message)
        assert refused.elements["AWSAccessKeyId"] == "AKIANOTAKEYOFTHISAWS"

    def test_a_form_without_its_signature_is_refused(self, region: str) -> None:
        # Given a ticket, When the phone posts it without the signature field
        field, name = SIGNATURE_FIELD[region]
        refused = refusal(form(ticket(), region, without=field))

        # Then S3 asks for the field
        message = f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of"
        assert answer(refused) == (400, "InvalidArgument", f"{message} the fields.")

    def test_another_key_is_refused(self, region: str) -> None:
        # Given a ticket for KEY, When the phone posts to another learner's prefix
        refused = refusal(form(ticket(), region, key="uploads/ocr/user-2/record-1.png"))

        # Then the key's condition fails
        assert answer(refused) == condition_failed(["eq", "$key", KEY])

    def test_another_content_type_is_refused(self, region: str) -> None:
        # Given a ticket for a PNG, When the phone posts the file as HTML
        refused = refusal(form(ticket(), region, **{"Content-Type": "text/html"}))

        # Then the type's condition fails
        assert answer(refused) == condition_failed(["eq", "$Content-Type", "image/png"])

    def test_a_file_larger_than_the_ticket_allows_is_refused(self, region: str) -> None:
        # Given a ticket for at most MAX_BYTES, When the phone posts one byte more
        refused = refusal(form(ticket(), region, b"\x00" * (MAX_BYTES + 1)))

        # Then S3 refuses the size, naming both
        assert answer(refused) == (400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        assert refused.elements == {"ProposedSize": str(MAX_BYTES + 1), "MaxSizeAllowed": str(MAX_BYTES)}

    def test_an_empty_file_is_refused(self, region: str) -> None:
        # Given a ticket (at least 1 byte), When the phone posts an empty file
        refused = refusal(form(ticket(), region, b""))

        # Then S3 refuses the size
        message = "Your proposed upload is smaller than the minimum allowed size"
        assert answer(refused) == (400, "EntityTooSmall", message)
        assert refused.elements == {"ProposedSize": "0", "MinSizeAllowed": "1"}

    def test_a_field_no_condition_covers_is_refused(self, region: str) -> None:
        # Given a ticket, When the phone adds metadata of its own
        refused = refusal(form(ticket(), region, **{"x-amz-meta-note": "mine"}))

        # Then S3 refuses the field the policy does not name
        message = "Invalid according to Policy: Extra input fields: x-amz-meta-note"
        assert answer(refused) == (403, "AccessDenied", message)

    def test_an_unsigned_upload_to_the_private_bucket_is_refused(self, region: str) -> None:
        # Given only the key and the type, with no policy and no signature (or a policy nobody signed)
        anonymous = {"key": KEY, "Content-Type": "image/png"}
        upload = FormUpload(get_settings().media_bucket_name(), region, anonymous, "photo.png", len(PNG))
        unsigned = FormUpload(upload.bucket, region, {**anonymous, "policy": ticket().fields["policy"]}, None, 8)

        # Then both are anonymous, which a bucket that is not publicly writable refuses
        assert answer(refusal(upload)) == (403, "AccessDenied", "Access Denied")
        assert answer(refusal(unsigned)) == (403, "AccessDenied", "Access Denied")


def test_a_signature_for_another_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a ticket signed for eu-central-1, When it is posted to a bucket in eu-west-3
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    get_settings.cache_clear()
    reset_clients()

    refused = refusal(form(ticket(), "eu-west-3"))

    # Then S3 refuses the credential's scope
    assert answer(refused) == (400, "InvalidArgument", "the region 'eu-central-1' is wrong; expecting 'eu-west-3'")
    assert (refused.elements["ArgumentName"], refused.elements["Region"]) == ("X-Amz-Credential", "eu-west-3")


# AWS's own example (S3 API reference, "Example: Browser-Based Upload using HTTP POST (Using AWS Signature
# Version 4)"): its example credentials, its policy (CRLF line ends) and form, with capitalized field names,
# starts-with conditions, an empty x-amz-meta-tag and a key ending in ${filename}.
EXAMPLE_SECRETS = {"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
EXAMPLE_POLICY = (
    "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2"
    "NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMt"
    "cmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29t"
    "L3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4"
    "LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0s"
    "DQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZP"
    "RE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1B"
    "Qy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
)
EXAMPLE_FORM = {
    "key": "user/user1/${filename}", "acl": "public-read",
    "success_action_redirect": "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
    "Content-Type": "image/jpeg", "x-amz-meta-uuid": "14365123651274", "x-amz-server-side-encryption": "AES256",
    "X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": "20151229T000000Z", "x-amz-meta-tag": "",
    "Policy": EXAMPLE_POLICY, "X-Amz-Signature": "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e",
}  # fmt: skip


def test_aws_s_example_form_is_accepted_and_its_policy_holds_it_to_the_key_prefix() -> None:
    # Given AWS's example form, its file chosen from a Windows path, before the policy expires
    example = FormUpload("sigv4examplebucket", "us-east-1", EXAMPLE_FORM, "C:\\Users\\eric\\photo.jpg", 1000)
    before_expiry = datetime(2015, 12, 30, 11, 59, tzinfo=UTC)

    # Then it is accepted as it is (its signature is the one AWS published), and refused with another key prefix
    check(example, EXAMPLE_SECRETS, before_expiry)
    elsewhere = FormUpload(example.bucket, "us-east-1", {**EXAMPLE_FORM, "key": "user/user2/${filename}"}, "a.jpg", 1)
    with pytest.raises(PostRefused, match=r'\["starts-with", "\$key", "user/user1/"\]'):
        check(elsewhere, EXAMPLE_SECRETS, before_expiry)


def test_a_refusal_is_s3_s_error_document() -> None:
    # Given a refusal with elements of its own, When it is written as S3 writes errors
    refused = PostRefused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                          ProposedSize="11", MaxSizeAllowed="10")  # fmt: skip
    error = s3_error(refused.xml())

    # Then it is S3's shape: code, message, the elements, the request id and host id
    assert list(error.items())[:4] == [
        ("Code", "EntityTooLarge"), ("Message", "Your proposed upload exceeds the maximum allowed size"),
        ("ProposedSize", "11"), ("MaxSizeAllowed", "10"),
    ]  # fmt: skip
    assert list(error)[4:] == ["RequestId", "HostId"]


# moto's bucket POST with the checker in front (tests/conftest.py applies it for the whole session).

BUCKET = "kotoba-post-policy-test"


@pytest.fixture
def moto_alone() -> Iterator[None]:
    s3_post_policy.revert()
    yield
    s3_post_policy.apply(SIGNING_SECRETS)


def post(fields: dict[str, str], data: bytes, file_name: str = "photo.png") -> requests.Response:
    return requests.post(f"https://{BUCKET}.s3.amazonaws.com/", data=fields, files={"file": (file_name, data)},
                         timeout=10)  # fmt: skip


def replay() -> list[Any]:
    """Uploads S3 accepts, and a DeleteObjects (the other bucket POST), on a fresh bucket: the answers and then
    every object stored, with its type and metadata."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        sigv4 = boto3.client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
        s3.create_bucket(Bucket=BUCKET)
        uploads = [
            (s3.generate_presigned_post(BUCKET, KEY, Fields={"Content-Type": "image/png"},
                                        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, 100]]),
             PNG, "photo.png"),
            (sigv4.generate_presigned_post(BUCKET, "named/${filename}", Fields={"x-amz-meta-lesson": "3"},
                                           Conditions=[{"x-amz-meta-lesson": "3"}]), b"text", "notes 1.txt"),
            (sigv4.generate_presigned_post(BUCKET, "created.bin", Fields={"success_action_status": "201"},
                                           Conditions=[{"success_action_status": "201"}]), b"\x00\x01", "c.bin"),
            (s3.generate_presigned_post(BUCKET, "to-delete.bin"), b"gone", "d.bin"),
        ]  # fmt: skip
        answers: list[Any] = []
        for ticket_, data, file_name in uploads:
            response = post(ticket_["fields"], data, file_name)
            answers.append((response.status_code, response.text))
        deleted = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "to-delete.bin"}]})
        answers.append(deleted["Deleted"])
        for stored in s3.list_objects_v2(Bucket=BUCKET)["Contents"]:
            head = s3.head_object(Bucket=BUCKET, Key=stored["Key"])
            body = s3.get_object(Bucket=BUCKET, Key=stored["Key"])["Body"].read()
            answers.append((stored["Key"], body, head["ContentType"], head["Metadata"]))
        return answers


def test_an_upload_s3_accepts_is_answered_and_stored_as_moto_alone_does() -> None:
    """If an upgrade of moto changes what the checker stands in front of (its bucket POST, how it parses the form),
    the answers differ here."""
    checked = replay()
    s3_post_policy.revert()
    try:
        plain = replay()
    finally:
        s3_post_policy.apply(SIGNING_SECRETS)

    assert checked == plain
    assert [(key, content_type) for key, _, content_type, _ in checked[-3:]] == [
        ("created.bin", "binary/octet-stream"), ("named/notes 1.txt", "binary/octet-stream"), (KEY, "image/png"),
    ]  # fmt: skip


@pytest.mark.usefixtures("moto_alone")
def test_moto_alone_stores_what_s3_refuses() -> None:
    """Why the checker exists: if this fails, moto refuses such a POST itself and the checker may go."""
    with mock_aws():
        # Given moto without the checker and a ticket for at most 10 bytes
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        ticket_ = s3.generate_presigned_post(BUCKET, KEY, Conditions=[["content-length-range", 1, 10]])

        # Then 11 bytes are stored
        assert post(ticket_["fields"], b"\x00" * 11).status_code == 204
        assert s3.head_object(Bucket=BUCKET, Key=KEY)["ContentLength"] == 11


def test_a_refused_upload_stores_nothing_and_gets_s3_s_error_document() -> None:
    with mock_aws():
        # Given moto with the checker and a ticket for at most 10 bytes
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        ticket_ = s3.generate_presigned_post(BUCKET, KEY, Conditions=[["content-length-range", 1, 10]])

        # When 11 bytes are posted
        response = post(ticket_["fields"], b"\x00" * 11)

        # Then S3's error document, with moto's request id, and nothing stored
        assert response.status_code == 400
        error = s3_error(response.content)
        assert [error[name] for name in ("Code", "ProposedSize", "MaxSizeAllowed")] == ["EntityTooLarge", "11", "10"]
        assert error["RequestId"] == response.headers["x-amzn-requestid"]  # filled in by moto
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


def test_a_post_that_is_not_a_form_upload_is_refused() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        fields = s3.generate_presigned_post(BUCKET, KEY)["fields"]

        # When a ticket's fields are posted url-encoded, or with two files
        urlencoded = requests.post(f"https://{BUCKET}.s3.amazonaws.com/", data={**fields, "file": "x"}, timeout=10)
        two_files = requests.post(f"https://{BUCKET}.s3.amazonaws.com/", data=fields,
                                  files=[("file", b"a"), ("file", b"b")], timeout=10)  # fmt: skip

        # Then S3 refuses both, and stores nothing
        assert (urlencoded.status_code, s3_error(urlencoded.content)["Code"]) == (412, "PreconditionFailed")
        assert (two_files.status_code, s3_error(two_files.content)["Message"]) == (
            400, "POST requires exactly one file upload per request.",
        )  # fmt: skip
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


def test_mock_aws_signs_with_the_credentials_the_tests_check_signatures_with() -> None:
    # Given what mock_aws puts in the environment while it runs, Then the tests know its secret
    with mock_aws():
        in_use = {name: os.environ[name] for name in MOTO_MOCK_CREDENTIALS}

    assert in_use == MOTO_MOCK_CREDENTIALS
    assert SIGNING_SECRETS[in_use["AWS_ACCESS_KEY_ID"]] == in_use["AWS_SECRET_ACCESS_KEY"]
