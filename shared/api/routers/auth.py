from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from shared.api.deps import CallingClient, CurrentUser, Now
from shared.api.errors import errors
from shared.schemas.auth import (
    EmailRequest,
    LoginRequest,
    LogoutRequest,
    Message,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    TokenPair,
    UserPublic,
    VerifyEmailRequest,
)
from shared.services import auth, profile

router = APIRouter(prefix="/auth", tags=["auth"])

EMAIL = "aiko@example.com"
PASSWORD = "kumo-to-ame-42"
ONE_TIME_TOKEN = "Qm9rZW4tY29kZS1mcm9tLW1haWw"
REFRESH_TOKEN = "3f2c6d1e-8a4b-4c2d-9e7f-0a1b2c3d4e5f.0.kX9v2QpL0sT7wYbN4mRfZcH1uJ6eA8dG5iO3nVxB2yQ"


def _example(summary: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "value": value}


@router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Create an account (sends a confirmation e-mail)",
    responses=errors(429),
)
def register(
    body: Annotated[
        RegisterRequest,
        Body(
            openapi_examples={
                "minimal": _example(
                    "E-mail, username and password", {"email": EMAIL, "username": "aiko", "password": PASSWORD}
                ),
                "full": _example(
                    "With a profile",
                    {
                        "email": EMAIL,
                        "username": "aiko",
                        "password": PASSWORD,
                        "first_name": "Aiko",
                        "native_language": "en",
                        "japanese_level": "elementary",
                        "timezone": "Asia/Tokyo",
                    },
                ),
            }
        ),
    ],
    client: CallingClient,
    now: Now,
) -> Message:
    """The account cannot log in until its address is confirmed with the token of the e-mail sent now. The
    password is 10 to 128 characters, not a common one, and contains neither the username nor the e-mail's
    local part (a 422 names the rule). The answer is the same 202 when the address or the username is
    taken, so that nobody can learn which addresses have accounts: the e-mail tells the owner what happened."""
    return auth.register(body, client, now)


@router.post(
    "/verify-email",
    summary="Confirm the e-mail address with the token of the confirmation e-mail",
    responses=errors(400, 429),
)
def verify_email(
    body: Annotated[
        VerifyEmailRequest,
        Body(openapi_examples={"token": _example("The code of the e-mail", {"token": ONE_TIME_TOKEN})}),
    ],
    client: CallingClient,
    now: Now,
) -> Message:
    """The token works once, for 24 hours; an unknown, used or expired one is a 400."""
    return auth.verify_email(body, client, now)


@router.post(
    "/resend-verification",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send the confirmation again",
    responses=errors(429),
)
def resend_verification(
    body: Annotated[
        EmailRequest, Body(openapi_examples={"email": _example("The account's address", {"email": EMAIL})})
    ],
    client: CallingClient,
    now: Now,
) -> Message:
    """Answers the same whether or not the address belongs to an unverified account, so it reveals nothing."""
    return auth.resend_verification(body, client, now)


@router.post("/login", summary="Log in: an access token and a refresh token", responses=errors(401, 403, 429, 503))
def login(
    body: Annotated[
        LoginRequest,
        Body(openapi_examples={"password": _example("E-mail and password", {"email": EMAIL, "password": PASSWORD})}),
    ],
    client: CallingClient,
    now: Now,
) -> TokenPair:
    """A wrong address or password is a 401 (the same for both); a disabled account or an unconfirmed address
    a 403. Send the access token as `Authorization: Bearer <token>`; trade the refresh token at /auth/refresh
    before the access token expires."""
    return auth.login(body, client, now)


@router.post("/refresh", summary="Trade a refresh token (once) for new tokens", responses=errors(401, 503))
def refresh(
    body: Annotated[
        RefreshRequest,
        Body(openapi_examples={"token": _example("The latest refresh token", {"refresh_token": REFRESH_TOKEN})}),
    ],
    now: Now,
) -> TokenPair:
    """Each refresh token works once. Presenting one that was already traded ends the whole session (it was
    copied): every token of it stops working and the learner logs in again."""
    return auth.refresh(body, now)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this session", responses=errors(400))
def logout(
    principal: CurrentUser,
    body: Annotated[
        LogoutRequest | None,
        Body(
            openapi_examples={
                "this": _example("End the session of the access token", {}),
                "also": _example("Also end the session of a refresh token", {"refresh_token": REFRESH_TOKEN}),
            }
        ),
    ] = None,
) -> None:
    """The access token's session ends at once (its access and refresh tokens stop working); with a refresh
    token of another of the caller's sessions, that one ends too. A `refresh_token` that is not one of ours is a
    400, and then nothing ends."""
    auth.logout(principal, body or LogoutRequest())


@router.post(
    "/forgot-password",
    status_code=status.HTTP_202_ACCEPTED,
    summary="E-mail a password reset link",
    responses=errors(429),
)
def forgot_password(
    body: Annotated[
        EmailRequest, Body(openapi_examples={"email": _example("The account's address", {"email": EMAIL})})
    ],
    client: CallingClient,
    now: Now,
) -> Message:
    """Answers the same whether or not the address is registered, so it reveals nothing."""
    return auth.forgot_password(body, client, now)


@router.post(
    "/reset-password",
    summary="Set a new password with the token of the reset e-mail",
    responses=errors(400, 429),
)
def reset_password(
    body: Annotated[
        ResetPasswordRequest,
        Body(
            openapi_examples={
                "reset": _example(
                    "The code of the e-mail and a new password",
                    {"token": ONE_TIME_TOKEN, "new_password": "yuki-no-hi-2025"},
                )
            }
        ),
    ],
    client: CallingClient,
    now: Now,
) -> Message:
    """The token works once, for 30 minutes (otherwise a 400). The new password follows the rules of
    registration; every session of the account ends."""
    return auth.reset_password(body, client, now)


@router.get("/me", summary="The caller's profile")
def get_me(principal: CurrentUser) -> UserPublic:
    """The account as stored now, preferences included."""
    return principal.user


@router.put("/me", summary="Update the caller's profile")
def update_me(
    principal: CurrentUser,
    body: Annotated[
        ProfileUpdate,
        Body(
            openapi_examples={
                "profile": _example(
                    "Name, level and goals",
                    {"first_name": "Aiko", "japanese_level": "intermediate", "learning_goals": ["Pass JLPT N3"]},
                )
            }
        ),
    ],
) -> UserPublic:
    """Omitted or null fields stay as they are."""
    return profile.update_profile(principal, body)
