"""Registration, login, token refresh and logout, e-mail verification and password reset.

Rules a security review asks for, kept here in one place:
- passwords are Argon2id hashes; a login for an unknown e-mail costs the same hash as a wrong password;
- refresh tokens rotate on every use; an older generation presented again revokes the whole session, but only
  when its secret is one we issued (its digest is kept): a token made up from a session id is just invalid;
- an access token is accepted only while its session is live, its user active, and the user's
  token_version unchanged (a password reset ends every session at once);
- registration and forgot-password answer the same whether or not the address is registered; what differs
  goes by e-mail to the address's owner;
- e-mail tokens are single use, stored as digests, and expire (reset: 30 minutes).
"""

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NoReturn

from shared.dal import auth_repository, mailer, users_repository
from shared.dal.base import new_id
from shared.dal.users_repository import NewUser
from shared.domain.accounts import ActionToken, AuthSession, NewAccount, User
from shared.domain.scheduler import LearnerScheduler
from shared.domain.streaks import StudyCalendar
from shared.enums import UserRole
from shared.errors import EmailNotVerified, InvalidInput, NotAllowed, NotAuthenticated, ValidationFailed
from shared.observability import logger, metrics
from shared.schemas.auth import (
    EmailRequest,
    LoginRequest,
    LogoutRequest,
    Message,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    TokenPair,
    UserPublic,
    VerifyEmailRequest,
    check_password_policy,
)
from shared.services import rate_limits
from shared.services.passwords import hash_password, needs_rehash, verify_password
from shared.services.tokens import (
    INVALID_REFRESH_TOKEN,
    INVALID_TOKEN,
    RefreshToken,
    digest,
    issue_access_token,
    new_action_token,
    verify_access_token,
)
from shared.settings import get_settings

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
VERIFY_TOKEN_LIFETIME = timedelta(hours=24)
RESET_TOKEN_LIFETIME = timedelta(minutes=30)
MAX_USER_AGENT = 200
RETIRED_GENERATIONS_KEPT = 32  # digests of earlier refresh tokens kept for reuse detection (~2 KB per session)
REGISTER_ANSWER = "Check your e-mail: we have sent the address a message to finish creating your account."
FORGOT_PASSWORD_ANSWER = "If that address belongs to an account, we have sent it a link to reset the password."
RESEND_ANSWER = "If that address belongs to an unverified account, we have sent it a new confirmation link."


@cache
def _unknown_user_hash() -> str:
    """Verified against when the e-mail is unknown, so that both failures cost one Argon2 verification."""
    return hash_password("no account has this password")


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str | None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user as stored now, their study calendar (streak and reminders) and FSRS scheduler as read
    with it, and the session their access token belongs to."""

    user: UserPublic
    calendar: StudyCalendar
    session_id: str
    scheduler: LearnerScheduler  # the learner's FSRS parameters and retention
    new_sentences_place: str | None = None  # where the learner's new sentences continue in the catalogue

    @property
    def is_admin(self) -> bool:
        return self.user.role == UserRole.ADMIN


def _policy(password: str, email: str, username: str) -> None:
    try:
        check_password_policy(password, email=email, username=username)
    except ValueError as error:
        raise ValidationFailed(
            str(error), details=[{"field": "body.password", "message": str(error), "type": "password_policy"}]
        ) from error


def register(request: RegisterRequest, client: Client, now: datetime) -> Message:
    """Create the account and mail a confirmation link. A taken address or username gets the same answer:
    the mailbox's owner learns what happened, anyone else learns nothing about which addresses have accounts."""
    rate_limits.hit(rate_limits.REGISTER_PER_IP, client.ip, now)
    rate_limits.hit(rate_limits.REGISTER_PER_ACCOUNT, request.email, now)
    _policy(request.password, request.email, request.username)
    account = NewAccount(
        user_id=new_id(),
        email=request.email,
        username=request.username,
        password_hash=hash_password(request.password),
        first_name=request.first_name,
        last_name=request.last_name,
        native_language=request.native_language,
        japanese_level=request.japanese_level,
        timezone=request.timezone,
    )
    match users_repository.create_user(account):
        case NewUser.CREATED:
            metrics.add_metric(name="UserRegistered", unit="Count", value=1)
            _send_verification(account.user_id, account.email, now)
        case NewUser.EMAIL_TAKEN:
            _tell_owner_of_sign_up(request.email, now)
        case NewUser.USERNAME_TAKEN:
            _mail(
                account.email,
                "Choose another Kotoba username",
                f"The username {account.username} is already taken, so no account was created.\n\n"
                "Register again in the app with another username.",
            )
    return Message(message=REGISTER_ANSWER)


def _new_action_token(purpose: str, user_id: str, lifetime: timedelta, now: datetime) -> str:
    token = new_action_token()
    auth_repository.save_action_token(
        ActionToken(token_hash=digest(token), purpose=purpose, user_id=user_id, expires_at=now + lifetime)
    )
    return token


def _tell_owner_of_sign_up(email: str, now: datetime) -> None:
    owner = users_repository.get_user_by_email(email)
    if owner is not None and owner.profile.is_active and not owner.profile.is_verified:
        # signing up again is how many ask for the link again
        _send_verification(owner.user_id, owner.profile.email, now)
        return
    _mail(
        email,
        "Someone tried to create a Kotoba account with your address",
        "Someone (perhaps you) tried to create a Kotoba account with this e-mail address, which already "
        "has one.\n\nIf it was you, log in, or reset your password from the app's login screen.\n"
        "If it was not you, you can ignore this e-mail: your account has not changed.",
    )


def _mail(to: str, subject: str, body: str) -> None:
    """Send, or log and count the failure: an account is written before its mail, and the answers of these
    endpoints must not depend on whether a mail went out (that would say which addresses have accounts).
    The learner asks again (resend, forgot) and the MailNotSent alarm tells ops."""
    try:
        mailer.send_email(to, subject, body)
    except mailer.MailNotSent as error:
        metrics.add_metric(name="MailNotSent", unit="Count", value=1)
        logger.warning("e-mail not sent", extra={"subject": subject, "reason": str(error)})


def _send_verification(user_id: str, email: str, now: datetime) -> None:
    token = _new_action_token(VERIFY_EMAIL, user_id, VERIFY_TOKEN_LIFETIME, now)
    link = f"{get_settings().app_link_base}verify-email?token={token}"
    _mail(
        email,
        "Confirm your Kotoba e-mail address",
        f"Welcome to Kotoba!\n\nOpen this link in the app to confirm your address:\n{link}\n\n"
        f"Or enter this code: {token}\n\nThe link works once, for 24 hours.",
    )


def verify_email(request: VerifyEmailRequest, client: Client, now: datetime) -> Message:
    rate_limits.hit(rate_limits.VERIFY_PER_IP, client.ip, now)
    user_id = auth_repository.consume_action_token(digest(request.token), VERIFY_EMAIL, now)
    if user_id is None:
        raise InvalidInput("this confirmation link is invalid, used or expired")
    users_repository.mark_verified(user_id)
    _reschedule_reminders(user_id, now)  # a confirmed address gets study reminders
    return Message(message="Your e-mail address is confirmed.")


def _reschedule_reminders(user_id: str, now: datetime) -> None:
    """Work out the study reminders of an address just confirmed.

    Imported here: the study calendar brings the review scheduler, the progress data and their schemas, which no
    other part of the auth function needs; its cold start no longer loads them."""
    from shared.services import study_calendar

    study_calendar.reschedule(user_id, now)


def resend_verification(request: EmailRequest, client: Client, now: datetime) -> Message:
    rate_limits.hit(rate_limits.VERIFY_PER_IP, client.ip, now)
    rate_limits.hit(rate_limits.RESEND_PER_ACCOUNT, request.email, now)
    user = users_repository.get_user_by_email(request.email)
    if user is not None and user.profile.is_active and not user.profile.is_verified:
        _send_verification(user.user_id, user.profile.email, now)
    return Message(message=RESEND_ANSWER)


def login(request: LoginRequest, client: Client, now: datetime) -> TokenPair:
    rate_limits.hit(rate_limits.LOGIN_PER_IP, client.ip, now)
    rate_limits.check(rate_limits.LOGIN_FAILURES_PER_ACCOUNT, request.email, now)
    user = users_repository.get_user_by_email(request.email)
    password_ok = verify_password(user.password_hash if user else _unknown_user_hash(), request.password)
    if user is None or not password_ok:
        rate_limits.record(rate_limits.LOGIN_FAILURES_PER_ACCOUNT, request.email, now)
        metrics.add_metric(name="LoginFailed", unit="Count", value=1)
        raise NotAuthenticated("wrong e-mail address or password")
    if not user.profile.is_active:
        raise NotAllowed("this account is disabled")
    if not user.profile.is_verified:
        raise EmailNotVerified("confirm your e-mail address first; we can send the link again")
    if needs_rehash(user.password_hash):
        users_repository.store_rehashed_password(user.user_id, hash_password(request.password))
    return _start_session(user, client, now)


def _start_session(user: User, client: Client, now: datetime) -> TokenPair:
    session_id = new_id()
    refresh = RefreshToken.new(session_id, generation=0)
    lifetime = timedelta(days=get_settings().refresh_token_days)
    auth_repository.create_session(
        AuthSession(
            session_id=session_id,
            user_id=user.user_id,
            generation=0,
            token_hash=refresh.digest,
            token_version=user.token_version,
            user_agent=(client.user_agent or "")[:MAX_USER_AGENT] or None,
            last_used_at=now,
            expires_at=now + lifetime,
        )
    )
    return _token_pair(user, refresh, now + lifetime, now)


def _token_pair(user: User, refresh: RefreshToken, session_expires: datetime, now: datetime) -> TokenPair:
    access, expires_in = issue_access_token(user.user_id, refresh.session_id, user.profile.role, now)
    return TokenPair(
        access_token=access,
        expires_in=expires_in,
        refresh_token=str(refresh),
        refresh_expires_in=int((session_expires - now).total_seconds()),
    )


def refresh(request: RefreshRequest, now: datetime) -> TokenPair:
    presented = RefreshToken.parse(request.refresh_token)
    session = auth_repository.get_session(presented.session_id)
    if session is None or session.revoked or session.expires_at <= now:
        raise NotAuthenticated(INVALID_REFRESH_TOKEN)
    if presented.generation < session.generation and _issued(presented, session.retired_hashes):
        _revoke_stolen(session.session_id)
    if presented.generation != session.generation or not _issued(presented, [session.token_hash]):
        raise NotAuthenticated(INVALID_REFRESH_TOKEN)  # made up or too old to tell: changes nothing
    user = users_repository.get_user(session.user_id, consistent_read=True)  # a deactivation just written counts
    if user is None or not user.profile.is_active or user.token_version != session.token_version:
        auth_repository.revoke_session(session.session_id, "user no longer allowed")
        raise NotAuthenticated("the session has ended; log in again")
    successor = RefreshToken.new(session.session_id, presented.generation + 1)
    retired = [*session.retired_hashes, session.token_hash][-RETIRED_GENERATIONS_KEPT:]
    if not auth_repository.rotate_session(session.session_id, presented.generation, successor.digest, retired, now):
        _revoke_stolen(session.session_id)  # the same token was used twice at once
    return _token_pair(user, successor, session.expires_at, now)


def _issued(presented: RefreshToken, digests: Sequence[str]) -> bool:
    """Whether the presented token is one we issued: its digest is among these (compared in constant time)."""
    return any(hmac.compare_digest(presented.digest, known) for known in digests)


def _revoke_stolen(session_id: str) -> NoReturn:
    auth_repository.revoke_session(session_id, "refresh token reused")
    metrics.add_metric(name="RefreshTokenReuse", unit="Count", value=1)
    logger.warning("refresh token reused; session revoked", extra={"session_id": session_id})
    raise NotAuthenticated("this refresh token was already used; the session has been ended")


def logout(principal: Principal, request: LogoutRequest) -> None:
    """End the caller's session (its access and refresh tokens stop working at once), and the session of
    `refresh_token` too when it is another of the caller's."""
    other = None
    if request.refresh_token:
        try:
            other = RefreshToken.parse(request.refresh_token)
        except NotAuthenticated as error:  # the caller is authenticated: it is the body that is wrong
            raise InvalidInput("refresh_token is not a refresh token of this service") from error
    auth_repository.revoke_session(principal.session_id, "logout")
    if other is not None:
        session = auth_repository.get_session(other.session_id)
        if session is not None and session.user_id == principal.user.id:
            auth_repository.revoke_session(session.session_id, "logout")


def authenticate(access_token: str) -> Principal:
    claims = verify_access_token(access_token)
    user, session = auth_repository.user_and_session(claims.user_id, claims.session_id)
    if (
        user is None
        or session is None
        or session.revoked
        or session.user_id != user.user_id
        or session.token_version != user.token_version
        or not user.profile.is_active
    ):
        raise NotAuthenticated(INVALID_TOKEN)
    return Principal(
        user=user.profile,
        calendar=user.calendar,
        session_id=session.session_id,
        scheduler=user.scheduler,
        new_sentences_place=user.new_sentences_place,
    )


def forgot_password(request: EmailRequest, client: Client, now: datetime) -> Message:
    rate_limits.hit(rate_limits.FORGOT_PER_IP, client.ip, now)
    rate_limits.hit(rate_limits.FORGOT_PER_ACCOUNT, request.email, now)
    user = users_repository.get_user_by_email(request.email)
    if user is not None and user.profile.is_active:
        token = _new_action_token(RESET_PASSWORD, user.user_id, RESET_TOKEN_LIFETIME, now)
        link = f"{get_settings().app_link_base}reset-password?token={token}"
        _mail(
            user.profile.email,
            "Reset your Kotoba password",
            f"Someone asked to reset the password of your Kotoba account.\n\nOpen this link in the app:\n{link}\n\n"
            f"Or enter this code: {token}\n\nIt works once, for 30 minutes. If it was not you, ignore this e-mail.",
        )
    return Message(message=FORGOT_PASSWORD_ANSWER)


def reset_password(request: ResetPasswordRequest, client: Client, now: datetime) -> Message:
    rate_limits.hit(rate_limits.RESET_PER_IP, client.ip, now)
    invalid = InvalidInput("this reset link is invalid, used or expired")
    pending = auth_repository.get_action_token(digest(request.token))
    user = users_repository.get_user(pending.user_id) if pending is not None else None
    if user is None:
        raise invalid
    _policy(request.new_password, user.profile.email, user.profile.username)  # before the token is spent
    if auth_repository.consume_action_token(digest(request.token), RESET_PASSWORD, now) != user.user_id:
        raise invalid
    users_repository.set_password(user.user_id, hash_password(request.new_password))
    if not user.profile.is_verified:
        _reschedule_reminders(user.user_id, now)  # reading the reset mail confirmed the address
    metrics.add_metric(name="PasswordReset", unit="Count", value=1)
    return Message(message="Your password is changed; every device has been logged out.")
