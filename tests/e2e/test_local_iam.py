"""The local cloud enforces each function's role, as AWS would: a handler acting without a grant is refused with
AccessDenied, and S3 tells a missing key from a refused one only to a function that may list it. One local cloud for
the module; the in-process checks point this test's own clients at its emulator and sign as the local cloud does."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from pynamodb.exceptions import QueryError

from localcloud.emulator import LOCAL_ACCOUNT, LOCAL_MEDIA_BUCKET, LOCAL_REGION, local_environment
from localcloud.identity import acting_as, sign_as_acting_function
from localcloud.pump import LocalLambdaContext, invoke, load_handler, scheduled_event
from shared.dal import clients, key_store, media_storage
from shared.runtime import configure
from shared.settings import get_settings
from tests.e2e.conftest import LocalCloud, eventually, iam_denials, login_admin, start_local_cloud

pytestmark = pytest.mark.slow

JOBS_BY_STATUS = f"arn:aws:dynamodb:{LOCAL_REGION}:{LOCAL_ACCOUNT}:table/kotoba-local-jobs/index/by_status"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    running = start_local_cloud()
    yield running
    running.stop()


@pytest.fixture
def signing_as_its_functions(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This test process as one of the local cloud's: its environment, and each call signed as the function acting."""
    for name, value in local_environment(cloud.emulator_url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    key_store.clear_cache()
    sign_as_acting_function()
    configure.cache_clear()
    configure()
    yield
    clients.use_credential_provider(None)
    configure.cache_clear()
    get_settings.cache_clear()


def new_denials(cloud: LocalCloud, before: int, expected: int) -> list[str]:
    """The emulator's denial lines logged since `before` of them were, once `expected` have come."""
    return eventually(lambda: iam_denials(cloud)[before:], lambda lines: len(lines) >= expected, seconds=10)


@pytest.mark.usefixtures("signing_as_its_functions")
def test_a_handler_acting_without_a_grant_on_its_table_is_refused(cloud: LocalCloud) -> None:
    # Given the job janitor's handler, and an event of its schedule
    event = scheduled_event(
        f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT}:rule/kotoba-local-job_janitor", datetime.now(UTC)
    )
    before = len(iam_denials(cloud))

    # When it runs as the readings worker, whose role holds the sentences table only
    with acting_as("readings_worker"), pytest.raises(QueryError) as refused:
        load_handler("job_janitor")(event, LocalLambdaContext(function_name="job_janitor"))

    # Then its first query is refused as DynamoDB refuses, and the emulator says so in one line
    assert refused.value.cause_response_code == "AccessDeniedException"
    assert refused.value.cause_response_message == (
        f"User: arn:aws:sts::{LOCAL_ACCOUNT}:assumed-role/readings_worker/local-readings_worker is not authorized to "
        f"perform: dynamodb:Query on resource: {JOBS_BY_STATUS} because no identity-based policy allows the "
        "dynamodb:Query action"
    )
    assert new_denials(cloud, before, 1) == [
        f"IAM denied local-readings_worker (readings_worker): dynamodb:Query on {JOBS_BY_STATUS}"
    ]
    # And as itself, as the pump runs it, the same handler sweeps within its role
    assert invoke("job_janitor", event) == {"failed": 0, "cancelled": 0, "requeued": 0}
    assert len(iam_denials(cloud)) == before + 1


@pytest.mark.usefixtures("signing_as_its_functions")
def test_a_missing_tts_key_is_a_404_for_the_media_function_and_a_403_for_a_function_that_may_not_list_it(
    cloud: LocalCloud,
) -> None:
    # Given keys that are in no cache and no export
    missing_audio, missing_export = f"tts/{uuid.uuid4().hex}.wav", f"exports/{uuid.uuid4().hex}.json"
    before = len(iam_denials(cloud))

    # When the media function asks whether the audio is cached, and the study function the same, and whether its
    # export is there (it may read exports/, not list them)
    with acting_as("media_api"):
        media_sees = media_storage.object_exists(missing_audio)
    with acting_as("study_api"), pytest.raises(media_storage.ObjectExistenceUnknown):
        media_storage.object_exists(missing_audio)
    with acting_as("study_api"), pytest.raises(media_storage.ObjectExistenceUnknown):
        media_storage.object_exists(missing_export)

    # Then the media function gets S3's 404 (False), the study function its 403 both times
    assert media_sees is False
    bucket = f"arn:aws:s3:::{LOCAL_MEDIA_BUCKET}"
    assert new_denials(cloud, before, 2) == [
        f"IAM denied local-study_api (study_api): s3:GetObject on {bucket}/{missing_audio}",
        f"IAM denied local-study_api (study_api): s3:ListBucket on {bucket} s3:prefix={missing_export}",
    ]


def test_speech_through_the_api_is_cached_and_linked_as_the_media_function(cloud: LocalCloud) -> None:
    """The API process attributes /ai to the media function: the cache check (HeadObject of a missing key, a 404
    only with its ListBucket), the write and the presigned link all pass its role, and nothing is refused."""
    # Given a logged-in admin and a text never spoken before
    auth, api = login_admin(cloud), f"{cloud.api_url}/api/v1/ai/tts"
    body = {"text": f"今日は{uuid.uuid4().int % 1000}番です。"}
    before = len(iam_denials(cloud))

    # When it asks for the speech twice, follows the link, and asks for stored audio that does not exist
    first = requests.post(f"{api}/generate", json=body, headers=auth, timeout=60)
    second = requests.post(f"{api}/generate", json=body, headers=auth, timeout=60)
    audio = requests.get(first.json()["url"], timeout=10)
    missing = requests.get(f"{api}/audio/{'0' * 64}.wav", headers=auth, timeout=10, allow_redirects=False)

    # Then it is synthesized once, cached the second time, read through the media function's link, and the missing
    # file is a 404, with no refusal on the way
    assert (first.status_code, first.json()["cached"]) == (200, False)
    assert "X-Amz-Credential=local-media_api%2F" in first.json()["url"]  # signed by the function /ai is routed to
    assert (second.status_code, second.json()["cached"], second.json()["key"]) == (200, True, first.json()["key"])
    assert audio.status_code == 200 and audio.content.startswith(b"RIFF")
    assert missing.status_code == 404, missing.text
    assert iam_denials(cloud)[before:] == []


def test_an_admin_adds_a_vocabulary_word_through_the_study_function(cloud: LocalCloud) -> None:
    """The gate found this one: /learning is the study function's, whose role only read the vocabulary table, so
    an admin's new word was AccessDenied in AWS (a 500) while every test passed against the permissive emulator."""
    # Given the admin
    auth, api = login_admin(cloud), f"{cloud.api_url}/api/v1/learning/vocabulary"
    before = len(iam_denials(cloud))
    word = {"kanji": "猫", "hiragana": "ねこ", "romaji": "neko", "english_meanings": ["cat"], "part_of_speech": "noun"}

    # When it adds a word, and reads it back
    added = requests.post(api, json=word, headers=auth, timeout=10)
    read = requests.get(f"{api}/{added.json().get('id')}", headers=auth, timeout=10)

    # Then the study function wrote it within its role
    assert added.status_code == 201, added.text
    assert (read.status_code, read.json()["romaji"], read.json()["english_meanings"]) == (200, "neko", ["cat"])
    assert iam_denials(cloud)[before:] == []
