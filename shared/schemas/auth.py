"""What the auth and profile endpoints read and return."""

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StrictBool, StrictInt

from shared.domain.scheduler import MAX_RETENTION, MIN_RETENTION
from shared.enums import JapaneseLevel, UserRole
from shared.schemas.common import ApiModel, PublicModel

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # Argon2 takes any length; the cap stops a multi-megabyte "password" DoS
# A few of the most common passwords that meet the length rule; the length rule excludes the rest of the top lists.
COMMON_PASSWORDS = frozenset(
    {"1234567890", "123456789a", "qwertyuiop", "password12", "password123", "iloveyou12", "1q2w3e4r5t",
     "qwerty1234", "abcdefghij", "0987654321", "1111111111", "aaaaaaaaaa", "passw0rd12", "letmein123"}
)  # fmt: skip


def normalised_email(value: str) -> str:
    """Syntax-checked, lower-cased address: `Aiko@Example.COM` and `aiko@example.com` are one account."""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error


def checked_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError("not an IANA time zone, e.g. Asia/Tokyo")
    return value


def _timezones() -> set[str]:
    return available_timezones() | {"UTC"}


Email = Annotated[str, Field(max_length=254), AfterValidator(normalised_email)]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{3,30}$")]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(checked_timezone)]
OneTimeToken = Annotated[str, Field(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
ReminderTime = Annotated[
    str,
    Field(
        pattern=r"^([01][0-9]|2[0-3]):(00|15|30|45)$",
        description="Local time of day (24-hour `HH:MM`, on a quarter hour) of the study reminder.",
        examples=["19:00"],
    ),
]
# Not a schema pattern: a refresh token of any other shape is refused like an unknown one (401 on refresh),
# so that a client has one rule: a refused refresh token means logging in again.
RefreshTokenValue = Annotated[
    str,
    Field(
        min_length=10,
        max_length=300,
        description="The `refresh_token` of the last /auth/login or /auth/refresh answer, exactly as received: "
        "`<session id>.<generation>.<secret>`.",
        examples=["0b6f3c1e-4a5d-4c8e-9f3a-2d7b9e1c5a40.3.kX9v2QpL0sT7wYbN4mRfZcH1uJ6eA8dG5iO3nVxB2yQ"],
    ),
]


def check_password_policy(password: str, *, email: str, username: str) -> None:
    """Length is checked by the schema; here what needs the other fields or a word list."""
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise ValueError("this password is too easy to guess")
    if username.lower() in lowered or email.split("@")[0] in lowered:
        raise ValueError("the password must not contain your username or e-mail address")


class RegisterRequest(ApiModel):
    email: Email
    username: Username
    password: Password
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    native_language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    japanese_level: JapaneseLevel = JapaneseLevel.BEGINNER
    timezone: TimeZone = "UTC"


class LoginRequest(ApiModel):
    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshRequest(ApiModel):
    refresh_token: RefreshTokenValue


class LogoutRequest(ApiModel):
    refresh_token: RefreshTokenValue | None = Field(
        default=None, description="Another of the caller's sessions to end as well (e.g. the one being replaced)."
    )


class EmailRequest(ApiModel):
    email: Email


class VerifyEmailRequest(ApiModel):
    token: OneTimeToken


class ResetPasswordRequest(ApiModel):
    token: OneTimeToken
    new_password: Password


class TokenPair(PublicModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str
    refresh_expires_in: int


class Message(PublicModel):
    message: str


class ProfileUpdate(ApiModel):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    native_language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    japanese_level: JapaneseLevel | None = None
    learning_goals: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=10
    )


Weekday = Annotated[StrictInt, Field(ge=0, le=6)]


def _each_once_in_week_order(days: list[int]) -> list[int]:
    if len(set(days)) != len(days):
        raise ValueError("name each weekday once")
    return sorted(days)


# A set of weekdays, as JSON: each at most once (a repeated one is refused, as the schema's uniqueItems says).
Weekdays = Annotated[
    list[Weekday],
    Field(max_length=7, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_each_once_in_week_order),
]


class PreferencesUpdate(ApiModel):
    daily_goal_minutes: StrictInt | None = Field(default=None, ge=5, le=600)
    preferred_learning_time: ReminderTime | None = None
    study_reminders: StrictBool | None = Field(
        default=None,
        description="E-mail a reminder at `preferred_learning_time` on days with reviews due, not yet studied.",
    )
    timezone: TimeZone | None = None
    enable_spaced_repetition: StrictBool | None = None
    max_daily_reviews: StrictInt | None = Field(default=None, ge=1, le=1000)
    max_daily_new_items: StrictInt | None = Field(default=None, ge=0, le=200)
    srs_algorithm: Literal["fsrs", "sm2"] | None = Field(default=None, description="FSRS (default) or SM-2.")
    leech_threshold: StrictInt | None = Field(
        default=None, ge=2, le=100, description="Lapses (forgotten after being learned) that make a card a leech."
    )
    desired_retention: float | None = Field(
        default=None,
        ge=MIN_RETENTION,
        le=MAX_RETENTION,
        allow_inf_nan=False,
        description="FSRS: the chance of recall at which a card comes due (default 0.90). Higher: more reviews, "
        "less forgotten. `GET /progress/scheduler` gives the workload it asks for and a recommended value.",
    )
    easy_days: Weekdays | None = Field(
        default=None,
        description="Weekdays with fewer reviews, 0 Monday to 6 Sunday: a card whose next review could land on several "
        "days (an interval of 3 days or more) lands on an easy day only while it has at most half the reviews of the "
        "window's other days. `[]` clears them.",
    )


class UserPublic(PublicModel):
    id: str = Field(validation_alias="user_id")
    email: str
    username: str
    role: UserRole
    first_name: str | None = None
    last_name: str | None = None
    is_active: bool
    is_verified: bool
    native_language: str
    japanese_level: JapaneseLevel
    learning_goals: list[str]
    daily_goal_minutes: int
    preferred_learning_time: str | None = Field(
        default=None, description="The reminder time, local `HH:MM`; absent: the default (19:00)."
    )
    study_reminders: bool
    timezone: str
    enable_spaced_repetition: bool
    max_daily_reviews: int
    max_daily_new_items: int
    srs_algorithm: Literal["fsrs", "sm2"]
    leech_threshold: int
    desired_retention: float
    easy_days: list[int] = Field(default_factory=list, description="Weekdays with fewer reviews, 0 Monday to 6 Sunday.")
    total_study_time_minutes: int
    current_streak_days: int
    longest_streak_days: int
    streak_freezes: int
    vacation_since: datetime | None = Field(default=None, description="On vacation since then; absent otherwise.")
    last_study_date: datetime | None = None
    created_at: datetime
    updated_at: datetime
