"""The media bucket: presigned uploads whose policy S3 enforces, bounded reads, the TTS cache."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from shared.dal.clients import aws_client
from shared.observability import tracer
from shared.settings import get_settings

UPLOAD_LIFETIME = timedelta(minutes=15)
DOWNLOAD_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class UploadPolicy:
    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: datetime


@tracer.capture_method
def presigned_upload(key: str, content_type: str, max_bytes: int, now: datetime) -> UploadPolicy:
    """A POST policy that lets exactly this key, this content type and at most `max_bytes` in, for 15 minutes."""
    post = aws_client("s3").generate_presigned_post(
        Bucket=get_settings().media_bucket_name(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=int(UPLOAD_LIFETIME.total_seconds()),
    )
    return UploadPolicy(
        url=post["url"], fields=dict(post["fields"]), key=key, max_bytes=max_bytes, expires_at=now + UPLOAD_LIFETIME
    )


class ObjectTooLarge(Exception):
    pass


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    content_type: str | None  # as the upload set it (a POST's Content-Type field)


@tracer.capture_method
def read_object(bucket: str, key: str, max_bytes: int) -> StoredObject:
    """The object's bytes and Content-Type, never more than `max_bytes` + 1 bytes read: a lying size cannot make us
    read gigabytes. An empty object has no byte 0, so S3 refuses the range (InvalidRange): that reads as empty."""
    try:
        response = aws_client("s3").get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{max_bytes}")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "InvalidRange":
            return StoredObject(data=b"", content_type=None)
        raise
    body = response["Body"].read()
    if len(body) > max_bytes:
        raise ObjectTooLarge(key)
    return StoredObject(data=bytes(body), content_type=response.get("ContentType"))


class ObjectExistenceUnknown(RuntimeError):
    """S3 refused to say whether a key exists (403): it answers a missing key with 404 only to a caller allowed
    s3:ListBucket on the bucket, so a 403 is a missing grant (ListBucket on the key's prefix, or GetObject), never
    an answer."""


MISSING_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
REFUSED_CODES = frozenset({"403", "AccessDenied", "Forbidden"})


@tracer.capture_method
def object_exists(key: str) -> bool:
    """True when the key exists, False on 404. Needs s3:GetObject on the key and s3:ListBucket on its prefix."""
    bucket = get_settings().media_bucket_name()
    try:
        aws_client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in MISSING_OBJECT_CODES:
            return False
        if code in REFUSED_CODES:
            raise ObjectExistenceUnknown(
                f"S3 refused HeadObject on s3://{bucket}/{key} (403): the role needs s3:GetObject on the key and "
                "s3:ListBucket on its prefix (shared/catalog.py: checks_objects_under) for a missing key to read as 404"
            ) from error
        raise
    return True


@tracer.capture_method
def put_object(key: str, body: bytes, content_type: str) -> None:
    aws_client("s3").put_object(Bucket=get_settings().media_bucket_name(), Key=key, Body=body, ContentType=content_type)


def presigned_download(key: str) -> str:
    return str(
        aws_client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": get_settings().media_bucket_name(), "Key": key},
            ExpiresIn=int(DOWNLOAD_LIFETIME.total_seconds()),
        )
    )
