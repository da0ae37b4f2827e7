"""Registration, confirmation, login, profile: the paths a learner takes."""

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from shared.dal.auth import ActionTokenItem, AuthSessionItem
from shared.dal.users import UserItem
from shared.services.auth import REGISTER_ANSWER
from tests.auth_helpers import PASSWORD, code_in, confirm, login, register, sent_emails, signed_up
from tests.helpers import assert_error


def test_register_confirm_login_me(client: TestClient) -> None:
    # When a learner registers with a mixed-case e-mail, Then the neutral answer comes back
    assert register(client, "Aiko@Example.COM", "aiko") == {"message": REGISTER_ANSWER}

    # Then logging in before confirming is refused as unverified, and the confirmation mail was sent
    assert_error(
        client.post("/api/v1/auth/login", json={"email": "aiko@example.com", "password": PASSWORD}),
        403,
        "email_not_verified",
    )
    [mail] = sent_emails("aiko@example.com")
    assert mail["subject"] == "Confirm your Kotoba e-mail address"

    # When the learner confirms and logs in with yet another case of the address
    confirm(client, "aiko@example.com")
    session = login(client, "AIKO@example.com")
    me = client.get("/api/v1/auth/me", headers=session.headers).json()

    # Then their profile shows the lower-cased e-mail, the username, the user role, verified, UTC, and no secrets
    assert (me["email"], me["username"], me["role"], me["is_verified"], me["timezone"]) == (
        "aiko@example.com", "aiko", "user", True, "UTC",
    )  # fmt: skip
    assert "password_hash" not in me and "token_version" not in me


def test_a_confirmation_token_works_once(client: TestClient) -> None:
    # Given a registration and the code its confirmation mail carries
    register(client, "aiko@example.com", "aiko")
    token = code_in(sent_emails("aiko@example.com")[0])

    # When the code is sent twice, Then the first confirms and the second is refused as bad input
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200
    assert_error(client.post("/api/v1/auth/verify-email", json={"token": token}), 400, "invalid_input")


def test_resend_confirmation_answers_the_same_for_unknown_addresses(client: TestClient) -> None:
    # Given one registered address
    register(client, "aiko@example.com", "aiko")

    # When a new confirmation is asked for it and for an address nobody registered
    known = client.post("/api/v1/auth/resend-verification", json={"email": "aiko@example.com"})
    unknown = client.post("/api/v1/auth/resend-verification", json={"email": "nobody@example.com"})

    # Then both get the same 202 answer, and only the registered address gets a (second) mail
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == unknown.json()
    assert len(sent_emails("aiko@example.com")) == 2
    assert sent_emails("nobody@example.com") == []


@pytest.mark.parametrize(
    ("email", "username"), [("aiko@example.com", "someone"), ("AIKO@example.com", "x_y_z"), ("b@example.com", "AIKO")]
)
def test_email_and_username_are_unique_case_insensitively(client: TestClient, email: str, username: str) -> None:
    # Given aiko@example.com registered as aiko
    register(client, "aiko@example.com", "aiko")

    # When a sign-up reuses the e-mail or the username in any case
    response = client.post("/api/v1/auth/register", json={"email": email, "username": username, "password": PASSWORD})

    # Then it gets the same neutral answer as any sign-up, and no second user is stored
    assert (response.status_code, response.json()) == (202, {"message": REGISTER_ANSWER})
    assert UserItem.count() == 1


def test_a_taken_address_answers_as_a_new_one_and_mails_its_owner(client: TestClient) -> None:
    """Nobody can learn from the answer which addresses have accounts; the owner hears of the attempt."""
    # Given a confirmed account
    register(client, "aiko@example.com", "aiko")
    confirm(client, "aiko@example.com")

    # When someone registers its address under another username, and someone else registers a new address
    taken = client.post(
        "/api/v1/auth/register", json={"email": "aiko@example.com", "username": "mallory", "password": PASSWORD}
    )
    new = client.post(
        "/api/v1/auth/register", json={"email": "hana@example.com", "username": "hana", "password": PASSWORD}
    )

    # Then both answers are the same, and the owner is told of the attempt in a mail that carries no code
    assert (taken.status_code, taken.json()) == (new.status_code, new.json())
    assert [m["subject"] for m in sent_emails("aiko@example.com")] == [
        "Confirm your Kotoba e-mail address",
        "Someone tried to create a Kotoba account with your address",
    ]
    assert "enter this code" not in sent_emails("aiko@example.com")[-1]["body"]  # no way in for the other person


def test_signing_up_again_before_confirming_sends_a_new_link(client: TestClient) -> None:
    # When a learner signs up twice before confirming
    register(client, "aiko@example.com", "aiko")
    register(client, "aiko@example.com", "aiko")

    # Then two confirmation mails are sent, and the newer one confirms the account
    assert [m["subject"] for m in sent_emails("aiko@example.com")] == ["Confirm your Kotoba e-mail address"] * 2
    confirm(client, "aiko@example.com")  # the newer link works
    assert login(client, "aiko@example.com").user_id


class RefusingSes:
    """SES in a fresh account's sandbox: mail to an unverified recipient is refused."""

    def send_raw_email(self, **_: object) -> None:
        error = {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}}
        raise ClientError(error, "SendRawEmail")  # type: ignore[arg-type]


def test_a_refused_mail_does_not_fail_or_give_away_the_sign_up(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given SES refusing mail to the address, When the learner registers and asks for a password reset
    with monkeypatch.context() as patched:
        patched.setattr("shared.dal.mailer.aws_client", lambda service: RefusingSes())
        assert register(client, "aiko@example.com", "aiko") == {"message": REGISTER_ANSWER}
        forgot = client.post("/api/v1/auth/forgot-password", json={"email": "aiko@example.com"})
        assert forgot.status_code == 202

    # Then both are answered as usual and no mail went out
    assert sent_emails("aiko@example.com") == []

    # When SES takes mail again and the confirmation is resent, Then the resent code finishes the sign-up
    resent = client.post("/api/v1/auth/resend-verification", json={"email": "aiko@example.com"})
    assert resent.status_code == 202
    confirm(client, "aiko@example.com")  # once SES takes mail, the resent link finishes the sign-up
    assert login(client, "aiko@example.com").user_id


def test_a_taken_username_is_told_to_the_address_not_to_the_caller(client: TestClient) -> None:
    # Given aiko registered
    register(client, "aiko@example.com", "aiko")

    # When another address signs up with the username in another case
    response = client.post(
        "/api/v1/auth/register", json={"email": "other@example.com", "username": "Aiko", "password": PASSWORD}
    )

    # Then the caller gets the neutral answer, the address is mailed to choose another, and no user is added
    assert (response.status_code, response.json()) == (202, {"message": REGISTER_ANSWER})
    [mail] = sent_emails("other@example.com")
    assert mail["subject"] == "Choose another Kotoba username"
    assert UserItem.count() == 1


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "string_too_short"), ("x" * 129, "string_too_long"), ("1234567890", "password_policy"),
     ("aaaaaaaaaaaa", "password_policy"), ("aiko-secret-pass", "password_policy")],
)  # fmt: skip
def test_weak_passwords_are_refused_with_a_reason(client: TestClient, password: str, reason: str) -> None:
    # When a sign-up's password is too short, too long, all digits, one repeated character or holds the username
    response = client.post(
        "/api/v1/auth/register", json={"email": "aiko@example.com", "username": "aiko", "password": password}
    )

    # Then it is a 422 naming the password field and the reason, and nothing is stored
    error = assert_error(response, 422, "validation_error")
    assert [(d["field"], d["type"]) for d in error["details"]] == [("body.password", reason)]
    assert UserItem.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "username": "aiko", "password": PASSWORD},
        {"email": "aiko@example.com", "username": "a!", "password": PASSWORD},
        {"email": "aiko@example.com", "username": "aiko", "password": PASSWORD, "is_superuser": True},
        {"email": "aiko@example.com", "username": "aiko", "password": PASSWORD, "timezone": "Mars/Olympus"},
        {"email": ["aiko@example.com"], "username": "aiko", "password": PASSWORD},
    ],
)
def test_malformed_registrations_are_422(client: TestClient, body: dict[str, object]) -> None:
    # When a registration has a bad e-mail, username or timezone, an extra field or a wrong type
    # Then it is a 422 and nothing is stored
    assert_error(client.post("/api/v1/auth/register", json=body), 422, "validation_error")
    assert UserItem.count() == 0


def test_malformed_and_oversized_bodies_never_500(client: TestClient) -> None:
    # When login gets truncated, wrongly shaped or NUL-carrying JSON, Then each is a 422, never a 500
    for content in (b"{", b"[]", b"null", b'{"email": 1}', '{"email": "\u0000"}'.encode()):
        response = client.post("/api/v1/auth/login", content=content, headers={"content-type": "application/json"})
        assert_error(response, 422, "validation_error")

    # When it gets a 70 kB body, Then it is a 413
    big = b'{"email": "a@example.com", "password": "' + b"x" * 70_000 + b'"}'
    response = client.post("/api/v1/auth/login", content=big, headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_nothing_stored_holds_a_plaintext_password_or_token(client: TestClient) -> None:
    # Given a signed-up user who asked for a password reset
    session = signed_up(client)
    client.post("/api/v1/auth/forgot-password", json={"email": session.email})
    reset_code = code_in(sent_emails(session.email)[-1])

    # When every user, session and action token item is read raw
    stored = " ".join(
        str(item.to_simple_dict())
        for model in (UserItem, AuthSessionItem, ActionTokenItem)
        for item in model.scan()  # a test may scan; request paths never do
    )

    # Then none holds the password, the refresh token's secret, the reset code or the access token
    secret_part = session.refresh_token.split(".")[-1]
    for secret in (PASSWORD, secret_part, reset_code, session.access_token):
        assert secret not in stored


def test_profile_and_preferences_update_and_validate(client: TestClient) -> None:
    # Given a signed-up user
    session = signed_up(client)

    # When they update their profile, Then it shows the new name, level and goals
    profile = client.put(
        "/api/v1/auth/me",
        headers=session.headers,
        json={"first_name": "Aiko", "japanese_level": "elementary", "learning_goals": ["JLPT N4", "anime"]},
    ).json()
    assert (profile["first_name"], profile["japanese_level"], profile["learning_goals"]) == (
        "Aiko", "elementary", ["JLPT N4", "anime"],
    )  # fmt: skip

    # When they update their preferences, Then these show with the profile and the default reminders
    prefs = client.put(
        "/api/v1/users/me/preferences",
        headers=session.headers,
        json={"timezone": "Asia/Tokyo", "max_daily_reviews": 120, "preferred_learning_time": "07:30"},
    ).json()
    assert (prefs["timezone"], prefs["max_daily_reviews"], prefs["first_name"]) == ("Asia/Tokyo", 120, "Aiko")
    assert (prefs["preferred_learning_time"], prefs["study_reminders"]) == ("07:30", True)

    # When a preference is out of range or shaped wrongly, or names the role, Then it is a 422
    for bad in (
        {"timezone": "Tokyo"},
        {"max_daily_reviews": 0},
        {"daily_goal_minutes": 10_000},
        {"role": "admin"},
        {"preferred_learning_time": "evening"},
        {"preferred_learning_time": "07:10"},
        {"study_reminders": "no"},
    ):
        assert_error(
            client.put("/api/v1/users/me/preferences", headers=session.headers, json=bad), 422, "validation_error"
        )

    # When a profile update would make the user a superuser, Then it is a 422 and their role stays user
    assert_error(
        client.put("/api/v1/auth/me", headers=session.headers, json={"is_superuser": True}), 422, "validation_error"
    )
    assert client.get("/api/v1/auth/me", headers=session.headers).json()["role"] == "user"
