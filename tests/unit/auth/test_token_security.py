"""Every way a token can be forged, stolen, replayed or outlive its session is refused, in the common shape."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt

from shared.api.deps import now
from shared.dal import key_store
from shared.dal.users import UserItem
from shared.services.accounts import ensure_admin
from shared.settings import get_settings
from tests.auth_helpers import PASSWORD, Session, login, signed_up
from tests.helpers import assert_error

ME = "/api/v1/auth/me"


@pytest.fixture
def session(client: TestClient) -> Session:
    return signed_up(client)


def claims_of(token: str) -> dict[str, object]:
    return jwt.get_unverified_claims(token)  # type: ignore[no-any-return]


def forged(claims: dict[str, object]) -> str:
    """A token signed with another EC key under the real key id."""
    key = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": key_store.signing_key().kid})


def b64(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


def resigned(claims: dict[str, object]) -> str:
    """A token signed with the real key: only the claims differ from a genuine one."""
    key = key_store.signing_key()
    return jwt.encode(claims, key.private_key_pem, algorithm="ES256", headers={"kid": key.kid})


def me(client: TestClient, token: str | None, scheme: str = "Bearer") -> object:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return client.get(ME, headers=headers)


class TestAccessTokens:
    def test_a_genuine_token_works_and_carries_the_claims(self, client: TestClient, session: Session) -> None:
        assert me(client, session.access_token).status_code == 200  # type: ignore[attr-defined]
        claims = claims_of(session.access_token)
        settings = get_settings()
        assert claims["iss"] == settings.jwt_issuer and claims["aud"] == settings.jwt_audience
        assert claims["sub"] == session.user_id and claims["role"] == "user"
        assert {"exp", "iat", "jti", "sid"} <= set(claims)
        assert int(claims["exp"]) - int(claims["iat"]) == settings.access_token_minutes * 60  # type: ignore[call-overload]
        assert jwt.get_unverified_header(session.access_token)["alg"] == "ES256"

    def test_no_token(self, client: TestClient) -> None:
        assert_error(me(client, None), 401, "not_authenticated")  # type: ignore[arg-type]

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "eyJhbGciOiJFUzI1NiJ9.e30.", "x" * 5000])
    def test_malformed_tokens(self, client: TestClient, token: str) -> None:
        assert_error(me(client, token), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_wrong_scheme(self, client: TestClient, session: Session) -> None:
        assert_error(me(client, session.access_token, scheme="Basic"), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_alg_none(self, client: TestClient, session: Session) -> None:
        header = {"alg": "none", "typ": "JWT", "kid": key_store.signing_key().kid}
        unsigned = f"{b64(header)}.{b64(claims_of(session.access_token))}."
        assert_error(me(client, unsigned), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_signed_with_another_key(self, client: TestClient, session: Session) -> None:
        assert_error(me(client, forged(claims_of(session.access_token))), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_hmac_signed_with_the_public_key(self, client: TestClient, session: Session) -> None:
        """The classic algorithm-confusion attack: HS256 keyed with the (public) verification key."""
        kid = key_store.signing_key().kid
        public_pem = key_store.verification_keys()[kid]
        signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{b64(claims_of(session.access_token))}"
        signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"
        assert_error(me(client, token), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_unknown_key_id(self, client: TestClient, session: Session) -> None:
        key = key_store.signing_key()
        token = jwt.encode(
            claims_of(session.access_token), key.private_key_pem, algorithm="ES256", headers={"kid": "other"}
        )
        assert_error(me(client, token), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_expired(self, client: TestClient, session: Session) -> None:
        past = int(time.time()) - 3600
        claims = {**claims_of(session.access_token), "iat": past - 900, "nbf": past - 900, "exp": past}
        assert_error(me(client, resigned(claims)), 401, "not_authenticated")  # type: ignore[arg-type]

    @pytest.mark.parametrize(("claim", "value"), [("aud", "some-other-app"), ("iss", "kotoba-prod")])
    def test_wrong_audience_or_issuer(self, client: TestClient, session: Session, claim: str, value: str) -> None:
        token = resigned({**claims_of(session.access_token), claim: value})
        assert_error(me(client, token), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_missing_required_claim(self, client: TestClient, session: Session) -> None:
        claims = {k: v for k, v in claims_of(session.access_token).items() if k != "jti"}
        assert_error(me(client, resigned(claims)), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_a_role_claim_cannot_make_an_admin(self, client: TestClient, session: Session) -> None:
        token = resigned({**claims_of(session.access_token), "role": "admin"})
        assert_error(client.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {token}"}), 403, "forbidden")


class TestSessions:
    def test_refresh_rotates_and_a_replayed_token_kills_the_family(self, client: TestClient, session: Session) -> None:
        first = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
        assert first.status_code == 200
        rotated = first.json()
        assert rotated["refresh_token"] != session.refresh_token
        assert me(client, rotated["access_token"]).status_code == 200  # type: ignore[attr-defined]

        replay = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
        assert_error(replay, 401, "not_authenticated")
        # The thief's replay ended the session: the legitimate newer tokens are dead too.
        assert_error(
            client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}),
            401,
            "not_authenticated",
        )
        assert_error(me(client, rotated["access_token"]), 401, "not_authenticated")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "token", ["nonsense-token", "aaaa.bbbb.cccc", "abc.999.secret", "x.0." + "y" * 43, "é" * 20, "a.b" * 50]
    )
    def test_forged_refresh_tokens(self, client: TestClient, session: Session, token: str) -> None:
        assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": token}), 401, "not_authenticated")
        assert me(client, session.access_token).status_code == 200  # type: ignore[attr-defined]

    @pytest.mark.parametrize("generation", ["0", "1"])
    def test_a_token_made_up_from_the_session_id_ends_nothing(
        self, client: TestClient, session: Session, generation: str
    ) -> None:
        """The session id is in every access token: knowing it must not let anyone log its owner out."""
        rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}).json()
        rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).json()
        session_id = claims_of(rotated["access_token"])["sid"]
        made_up = f"{session_id}.{generation}.{'A' * 43}"  # an older generation, but never issued
        assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": made_up}), 401, "not_authenticated")
        assert me(client, rotated["access_token"]).status_code == 200  # type: ignore[attr-defined]
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 200

    def test_a_really_issued_older_generation_still_ends_the_family(self, client: TestClient, session: Session) -> None:
        issued = [session.refresh_token]
        for _ in range(3):
            issued.append(
                client.post("/api/v1/auth/refresh", json={"refresh_token": issued[-1]}).json()["refresh_token"]
            )
        assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": issued[1]}), 401, "not_authenticated")
        assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": issued[-1]}), 401, "not_authenticated")

    @pytest.mark.parametrize(
        "shape",
        [
            "{sid}.\u00b2.{secret}",  # a superscript two: a digit to str.isdigit, not to int()
            "{sid}.\u0663.{secret}",  # an Arabic-Indic three
            ".0.{secret}",  # no session id
            "{sid}.0.",  # no secret
            "{sid}.0.{secret}.extra",
            "{sid}.00.{secret}",
            "{sid}.9999999999.{secret}",
            "{sid_upper}.0.{secret}",
        ],
    )
    def test_malformed_refresh_tokens_are_401_on_refresh_and_400_on_logout(
        self, client: TestClient, session: Session, shape: str
    ) -> None:
        sid = str(claims_of(session.access_token)["sid"])
        token = shape.format(sid=sid, sid_upper=sid.upper(), secret="B" * 43).encode().decode("unicode_escape")
        assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": token}), 401, "not_authenticated")
        logout = client.post("/api/v1/auth/logout", headers=session.headers, json={"refresh_token": token})
        assert_error(logout, 400, "invalid_input")
        assert me(client, session.access_token).status_code == 200  # type: ignore[attr-defined]  # nothing ended

    def test_logout_can_end_another_of_the_callers_sessions(self, client: TestClient, session: Session) -> None:
        old_phone = login(client, session.email)
        body = {"refresh_token": old_phone.refresh_token}
        assert client.post("/api/v1/auth/logout", headers=session.headers, json=body).status_code == 204
        assert_error(me(client, old_phone.access_token), 401, "not_authenticated")  # type: ignore[arg-type]
        assert_error(me(client, session.access_token), 401, "not_authenticated")  # type: ignore[arg-type]

    def test_guessing_the_current_generation_does_not_revoke_or_rotate(
        self, client: TestClient, session: Session
    ) -> None:
        session_id, generation, _ = session.refresh_token.split(".")
        guess = f"{session_id}.{generation}.{'A' * 43}"
        assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": guess}), 401, "not_authenticated")
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}).status_code == 200

    def test_logout_ends_access_and_refresh_at_once(self, client: TestClient, session: Session) -> None:
        other_device = login(client, session.email)
        assert client.post("/api/v1/auth/logout", headers=session.headers).status_code == 204
        assert_error(me(client, session.access_token), 401, "not_authenticated")  # type: ignore[arg-type]
        assert_error(
            client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}), 401, "not_authenticated"
        )
        assert me(client, other_device.access_token).status_code == 200  # type: ignore[attr-defined]

    def test_a_deactivated_user_is_locked_out(self, client: TestClient, session: Session) -> None:
        UserItem(user_id=session.user_id).update(actions=[UserItem.is_active.set(False)])
        assert_error(me(client, session.access_token), 401, "not_authenticated")  # type: ignore[arg-type]
        assert_error(
            client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}), 401, "not_authenticated"
        )
        response = client.post("/api/v1/auth/login", json={"email": session.email, "password": PASSWORD})
        assert_error(response, 403, "forbidden")


class TestRoles:
    def test_admin_routes_need_a_token_and_the_admin_role(self, client: TestClient, session: Session) -> None:
        assert_error(client.get("/api/v1/admin/users"), 401, "not_authenticated")
        assert_error(client.get("/api/v1/admin/users", headers=session.headers), 403, "forbidden")
        ensure_admin("root@example.com", "root", "an admin's long password")
        admin = login(client, "root@example.com", "an admin's long password")
        listed = client.get("/api/v1/admin/users", headers=admin.headers).json()["items"]
        assert [u["email"] for u in listed] == ["root@example.com", "aiko@example.com"]
        assert claims_of(admin.access_token)["role"] == "admin"


class TestRateLimits:
    def test_the_sixth_wrong_password_in_a_minute_is_429(
        self, app: FastAPI, client: TestClient, session: Session
    ) -> None:
        # Given the clock stopped at one moment (a slow machine must not carry the six tries into the next minute)
        stopped = datetime.now(UTC).replace(second=30)
        app.dependency_overrides[now] = lambda: stopped
        wrong = {"email": session.email, "password": "not the password"}
        for _ in range(5):
            assert_error(client.post("/api/v1/auth/login", json=wrong), 401, "not_authenticated")
        sixth = client.post("/api/v1/auth/login", json=wrong)
        assert_error(sixth, 429, "rate_limited")
        assert 1 <= int(sixth.headers["retry-after"]) <= 60
        # Even the right password waits: the account is being guessed at.
        right = client.post("/api/v1/auth/login", json={"email": session.email, "password": PASSWORD})
        assert_error(right, 429, "rate_limited")
        app.dependency_overrides.clear()

    def test_answers_state_the_limit_closest_to_refusing(
        self, app: FastAPI, client: TestClient, session: Session
    ) -> None:
        # Given the clock stopped half-way through a minute
        stopped = datetime.now(UTC).replace(second=30)
        app.dependency_overrides[now] = lambda: stopped
        wrong = {"email": session.email, "password": "not the password"}

        # When a wrong password is tried, then again until the account's limit refuses
        first = client.post("/api/v1/auth/login", json=wrong)
        for _ in range(4):
            client.post("/api/v1/auth/login", json=wrong)
        refused = client.post("/api/v1/auth/login", json=wrong)

        # Then each answer states the failures left to the account (5 a minute, before the IP's 30) and when the
        # window ends, the 429 with none left
        def quota(response: Any) -> tuple[str, ...]:
            names = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")
            return tuple(response.headers[name] for name in names)

        assert quota(first) == ("5", "4", "30", "5;w=60")
        assert quota(refused) == ("5", "0", "30", "5;w=60") and refused.headers["retry-after"] == "30"
        # and an operation no such limit counts states none
        assert "ratelimit-limit" not in client.get("/api/v1/auth/me", headers=session.headers).headers
        app.dependency_overrides.clear()

    def test_the_limit_is_per_account(self, client: TestClient, session: Session) -> None:
        for _ in range(6):
            client.post("/api/v1/auth/login", json={"email": "someone@example.com", "password": "wrong password"})
        assert client.post("/api/v1/auth/login", json={"email": session.email, "password": PASSWORD}).status_code == 200

    def test_registrations_per_ip_are_limited(self, client: TestClient) -> None:
        codes = [
            client.post(
                "/api/v1/auth/register",
                json={"email": f"u{i}@example.com", "username": f"user{i}", "password": PASSWORD},
            ).status_code
            for i in range(11)
        ]
        assert codes == [202] * 10 + [429]


def test_keys_rotate_without_logging_anyone_out(client: TestClient, session: Session) -> None:
    from shared.services.signing_keys import rotate_now

    rotate_now(get_settings().signing_key_secret)
    key_store.clear_cache()
    assert me(client, session.access_token).status_code == 200  # type: ignore[attr-defined]
    fresh = login(client, session.email)
    assert (
        jwt.get_unverified_header(fresh.access_token)["kid"] != jwt.get_unverified_header(session.access_token)["kid"]
    )
    assert me(client, fresh.access_token).status_code == 200  # type: ignore[attr-defined]
