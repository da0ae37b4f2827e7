"""Whether a media object exists: 404 means no, and a 403 (what S3 answers a caller without s3:ListBucket for a
missing key) is a clear error, never a silent "no" nor a bare ClientError."""

import pytest
from botocore.stub import Stubber

from shared.constants import MediaPrefixes
from shared.dal import media_storage
from shared.dal.clients import aws_client

KEY = f"{MediaPrefixes.TTS_CACHE}{'0' * 64}.wav"

pytestmark = pytest.mark.usefixtures("aws")


def test_a_stored_object_exists() -> None:
    # Given a WAV stored under the TTS cache's prefix
    media_storage.put_object(KEY, b"RIFF", "audio/wav")

    # When its existence is asked, Then it exists
    assert media_storage.object_exists(KEY) is True


def test_a_missing_object_answered_with_404_does_not_exist() -> None:
    # Given an empty bucket, When a key's existence is asked (HeadObject answers 404), Then it does not exist
    assert media_storage.object_exists(KEY) is False


def test_a_403_is_a_clear_error_naming_the_missing_grant() -> None:
    """In AWS a role without s3:ListBucket gets 403 for a missing key: that must not pass for "absent" (a cache
    would never fill) nor surface as an unexplained ClientError."""
    # Given S3 answering HeadObject with 403
    client = aws_client("s3")
    with Stubber(client) as stubber:
        stubber.add_client_error("head_object", service_error_code="403", http_status_code=403)

        # When the key's existence is asked, Then it fails naming the grant that would tell a missing key
        with pytest.raises(media_storage.ObjectExistenceUnknown, match="s3:ListBucket") as refused:
            media_storage.object_exists(KEY)

    # and the key
    assert KEY in str(refused.value)


def test_other_errors_are_raised_as_they_are() -> None:
    # Given S3 answering HeadObject with 500
    client = aws_client("s3")
    with Stubber(client) as stubber:
        stubber.add_client_error("head_object", service_error_code="500", http_status_code=500)

        # When the key's existence is asked, Then S3's error is raised as it is, not taken for the 403 case
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the point is that it is not our 403 error
            media_storage.object_exists(KEY)

    assert not isinstance(raised.value, media_storage.ObjectExistenceUnknown)
