"""The media bucket is private, TLS-only, versioned, logged, and cleans up after itself."""

from typing import Any

import pytest

from infra.constructs import media_storage
from infra.stacks.storage_stack import MEDIA_BUCKET_OUTPUT
from shared.constants import MediaPrefixes
from tests.infra.conftest import SynthesizedApp, as_list, logical_id, resources_of_type

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.storage)


@pytest.fixture(scope="module")
def media_id(synthesized: SynthesizedApp) -> str:
    return logical_id(synthesized.storage.storage.media_bucket)


@pytest.fixture(scope="module")
def access_logs_id(synthesized: SynthesizedApp) -> str:
    return logical_id(synthesized.storage.storage.access_logs_bucket)


def _bucket_ids(template: dict[str, Any]) -> list[str]:
    return sorted(resources_of_type(template, "AWS::S3::Bucket"))


def test_only_the_media_and_access_log_buckets(template: dict[str, Any], media_id: str, access_logs_id: str) -> None:
    # When the storage stack's buckets are listed, Then they are the media and access-log buckets only
    assert _bucket_ids(template) == sorted([media_id, access_logs_id])


@pytest.mark.parametrize("bucket", ["media", "access_logs"])
def test_bucket_is_private_encrypted_retained_and_named_by_cloudformation(
    template: dict[str, Any], media_id: str, access_logs_id: str, bucket: str
) -> None:
    # When the bucket is read
    resource = template["Resources"][{"media": media_id, "access_logs": access_logs_id}[bucket]]
    properties = resource["Properties"]

    # Then it blocks all public access, is encrypted, kept on delete, and named by CloudFormation
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert "BucketName" not in properties
    assert resource["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("bucket", ["media", "access_logs"])
def test_bucket_policy_denies_requests_without_tls(
    template: dict[str, Any], media_id: str, access_logs_id: str, bucket: str
) -> None:
    # Given the bucket's policy
    bucket_id = {"media": media_id, "access_logs": access_logs_id}[bucket]
    (policy,) = [
        p
        for p in resources_of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]

    # When its statements denying every S3 action without TLS are read
    deny_insecure = [
        statement
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        and as_list(statement["Action"]) == ["s3:*"]
    ]

    # Then there is one, on the bucket and its objects
    assert len(deny_insecure) == 1
    assert len(as_list(deny_insecure[0]["Resource"])) == 2  # the bucket and its objects


def test_media_bucket_is_versioned_and_logs_to_the_access_log_bucket(
    template: dict[str, Any], media_id: str, access_logs_id: str
) -> None:
    # When the media bucket is read
    properties = template["Resources"][media_id]["Properties"]

    # Then it is versioned, and logs its access to the access-log bucket under its prefix
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": access_logs_id},
        "LogFilePrefix": media_storage.ACCESS_LOGS_PREFIX,
    }


def test_media_lifecycle_rules(template: dict[str, Any], media_id: str) -> None:
    # When the media bucket's enabled lifecycle rules are read
    rules = template["Resources"][media_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    enabled = [rule for rule in rules if rule["Status"] == "Enabled"]

    # Then the TTS cache expires in 90 days and exports in 7, unfinished uploads are aborted after a day, and old
    # versions expire after 30 days (a day under the review archive, whose months are rewritten)
    expiry_by_prefix = {rule["Prefix"]: rule["ExpirationInDays"] for rule in enabled if "ExpirationInDays" in rule}
    assert expiry_by_prefix == {MediaPrefixes.TTS_CACHE: 90, MediaPrefixes.EXPORTS: 7}
    assert [r["AbortIncompleteMultipartUpload"] for r in enabled if "AbortIncompleteMultipartUpload" in r] == [
        {"DaysAfterInitiation": 1}
    ]
    noncurrent_by_prefix = {
        r.get("Prefix"): r["NoncurrentVersionExpiration"] for r in enabled if "NoncurrentVersionExpiration" in r
    }
    assert noncurrent_by_prefix == {None: {"NoncurrentDays": 30}, MediaPrefixes.REVIEW_ARCHIVE: {"NoncurrentDays": 1}}


def test_the_review_archive_moves_to_glacier_instant_retrieval_once_left_alone(
    template: dict[str, Any], media_id: str
) -> None:
    # Given the media bucket's lifecycle rules
    rules = template["Resources"][media_id]["Properties"]["LifecycleConfiguration"]["Rules"]

    # When the transitions are listed by prefix
    transitions = {rule.get("Prefix"): rule["Transitions"] for rule in rules if "Transitions" in rule}

    # Then only the archive moves, to the cheaper class, 30 days after its last rewrite
    assert transitions == {
        MediaPrefixes.REVIEW_ARCHIVE: [{"StorageClass": "GLACIER_IR", "TransitionInDays": 30}],
    }


def test_media_bucket_name_is_an_output(template: dict[str, Any], media_id: str) -> None:
    # When the stack's outputs are read, Then the media bucket's name is one
    assert template["Outputs"][MEDIA_BUCKET_OUTPUT]["Value"] == {"Ref": media_id}
