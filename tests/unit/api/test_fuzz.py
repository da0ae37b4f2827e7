"""Schemathesis over the served OpenAPI document, in process on moto: every operation, as a learner and as an
admin, with a bounded number of examples each. A failure is any 5xx, any response that breaks its documented
schema or headers, any status the operation does not document, and a 405 or OPTIONS without a complete Allow.

Per operation: the examples of the document, Schemathesis's coverage cases (boundaries, each field missing or
of the wrong type, methods the path does not have) and MAX_EXAMPLES generated cases, positive and negative.
About 5,000 requests in about two minutes on two workers. Deterministic: Hypothesis is derandomized and keeps no
example database, so a CI run repeats a local one; for a deeper hunt, raise MAX_EXAMPLES and set
`derandomize=False` locally.
"""

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from moto import mock_aws
from schemathesis import Case
from schemathesis.config import SchemathesisConfig

from shared.api.openapi import whole_api
from shared.dal import key_store
from shared.dal.clients import reset_clients
from shared.services.accounts import ensure_admin
from shared.services.sample_content import load_sample_content
from shared.settings import get_settings
from tests.auth_helpers import Session, login, signed_up
from tests.conftest import isolate_from_aws, provision_emulated_aws

MAX_EXAMPLES = 25
# Open JTalk speaks a 500-character text in seconds, more on a busy 2-core machine (a 10 s default timed out once):
# the fuzzer judges what comes back, the benches measure how fast.
REQUEST_TIMEOUT_SECONDS = 60
# Only a drawn value its schema allows is replaced: a malformed one must still be refused.
WELL_FORMED = {"name": re.compile(r"[^/]{1,80}"), "session_id": re.compile(r"[0-9a-fA-F-]{8,64}")}
ITEM_ID = re.compile(r"[0-9a-fA-F-]{1,64}")

app = whole_api()
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 7,
        # The token is the test's to send (a learner's or an admin's), not generated.
        "generation": {"max-examples": MAX_EXAMPLES, "with-security-parameters": False},
        "checks": {
            # Schema-valid is not always acceptable: a time zone must exist, a password must not be guessable,
            # an address must be deliverable. The schema states these rules in words; the server decides.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
# Loaded at import, before conftest's test environment applies, in which the app serves its document (the settings
# turn the docs on).
with pytest.MonkeyPatch.context() as test_environment:
    isolate_from_aws(test_environment)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
# Operations that need a token: the admin pass runs these (the public ones answer an admin as anyone).
secured = schema.exclude(func=lambda ctx: ctx.operation.definition.raw.get("security") == [])

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # The moto world is built once per module and shared by every operation; the per-test autouse
    # fixtures only reset caches.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@dataclass(frozen=True)
class World:
    learner: Session
    admin: Session
    leaver: Session  # whose session the logout operation ends, so that the learner's stays valid
    deleter: Session  # whose account the deletion closes (the document's example is the tests' password)
    known: dict[str, tuple[str, ...]]  # ids that exist, by the name of the parameter or field that takes them

    def ids_for(self, name: str, path: str) -> tuple[str, ...]:
        if name == "record_id":
            return self.known["ocr_record_id" if "/ocr/" in path else "speech_record_id"]
        return self.known.get(name, ())


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def known_ids(client: TestClient, learner: Session, admin: Session) -> dict[str, tuple[str, ...]]:
    """A few items of every kind an operation takes by id: the learner's own where ownership matters."""
    sentences = [s["id"] for s in created(client.get("/api/v1/learning/sentences?limit=3"))["items"]]
    words = [w["id"] for w in created(client.get("/api/v1/learning/vocabulary?limit=3"))["items"]]
    pending = created(
        client.post(
            "/api/v1/learning/sentences",
            headers=learner.headers,
            json={"japanese_text": "猫が好きです。", "english_translation": "I like cats."},
        )
    )["id"]
    photo = created(client.post("/api/v1/ai/ocr/upload", headers=learner.headers, json={"content_type": "image/png"}))
    recording = created(
        client.post("/api/v1/ai/speech/upload", headers=learner.headers, json={"content_type": "audio/wav"})
    )
    speech = created(client.post("/api/v1/ai/tts/generate", headers=learner.headers, json={"text": "ねこ"}))
    sessions = [
        created(client.post("/api/v1/progress/sessions", headers=who.headers, json={}))["id"]
        for who in (learner, admin)
    ]
    return {
        "sentence_id": (pending, *sentences),
        "word_id": tuple(words),
        "item_id": (*sentences, *words),
        "session_id": tuple(sessions),
        "ocr_record_id": (photo["record"]["id"],),
        "speech_record_id": (recording["record"]["id"],),
        "name": (speech["audio_path"].rsplit("/", 1)[1],),
    }


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """One moto AWS for the module, as tests/conftest.py's `aws` builds per test, with sample content and
    three accounts: building it per operation would cost more than fuzzing it."""
    with pytest.MonkeyPatch.context() as env:
        isolate_from_aws(env)
        with mock_aws():
            provision_emulated_aws()
            load_sample_content()
            # Another client address than the fuzzer's, so that its logins do not count against these.
            setup = TestClient(app, client=("198.51.100.1", 50000))
            ensure_admin("root@example.com", "root", "an admin's long password")
            learner = signed_up(setup)
            admin = login(setup, "root@example.com", "an admin's long password")
            yield World(
                learner=learner,
                admin=admin,
                leaver=signed_up(setup, "ken@example.com", "ken"),
                deleter=signed_up(setup, "kai@example.com", "kai"),
                known=known_ids(setup, learner, admin),
            )
            reset_clients()
            key_store.clear_cache()
    get_settings.cache_clear()


def headers_for(case: Case, who: Session, world: World) -> dict[str, Any]:
    operation = case.operation.definition.raw.get("operationId")
    if operation == "auth_logout":
        return world.leaver.headers
    if operation == "users_delete_account":
        return world.deleter.headers
    return who.headers


def _picked(name: str, value: object, known: tuple[str, ...]) -> str | None:
    """For half of the well-formed ids drawn (by their hash, so runs repeat), one that exists."""
    if not known or not isinstance(value, str) or not WELL_FORMED.get(name, ITEM_ID).fullmatch(value):
        return None
    digest = zlib.crc32(value.encode())
    return known[digest // 2 % len(known)] if digest % 2 == 0 else None


def aim_at_known_items(case: Case, world: World) -> None:
    """Drawn ids almost never exist, which would leave every operation on an item at its 404. Some are
    replaced by ids of items the world holds, so that updates, deletes, reviews and reads run too."""
    for name, value in (case.path_parameters or {}).items():
        if (known := _picked(name, value, world.ids_for(name, case.path))) is not None:
            case.path_parameters[name] = known  # type: ignore[index]
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            if (known := _picked(name, value, world.ids_for(name, case.path))) is not None:
                case.body[name] = known


def run(case: Case, who: Session, world: World) -> None:
    aim_at_known_items(case, world)
    case.call_and_validate(headers=headers_for(case, who, world), timeout=REQUEST_TIMEOUT_SECONDS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_as_a_learner(case: Case, world: World) -> None:
    # When a learner sends each generated case, Then no answer is a 5xx or strays from what the document says
    run(case, world.learner, world)


@secured.parametrize()
@FUZZ_SETTINGS
def test_every_secured_operation_as_an_admin(case: Case, world: World) -> None:
    # When an admin sends each generated case, Then no answer is a 5xx or strays from what the document says
    run(case, world.admin, world)
