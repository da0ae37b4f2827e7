from fastapi import APIRouter, status

from shared.api.deps import CallingClient, CurrentUser, Now
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


@router.post(
    "/register", status_code=status.HTTP_202_ACCEPTED, summary="Create an account (sends a confirmation e-mail)"
)
def register(body: RegisterRequest, client: CallingClient, now: Now) -> Message:
    return auth.register(body, client, now)


@router.post("/verify-email", summary="Confirm the e-mail address with the token of the confirmation e-mail")
def verify_email(body: VerifyEmailRequest, client: CallingClient, now: Now) -> Message:
    return auth.verify_email(body, client, now)


@router.post("/resend-verification", status_code=status.HTTP_202_ACCEPTED, summary="Send the confirmation again")
def resend_verification(body: EmailRequest, client: CallingClient, now: Now) -> Message:
    return auth.resend_verification(body, client, now)


@router.post("/login", summary="Log in: an access token and a refresh token")
def login(body: LoginRequest, client: CallingClient, now: Now) -> TokenPair:
    return auth.login(body, client, now)


@router.post("/refresh", summary="Trade a refresh token (once) for new tokens")
def refresh(body: RefreshRequest, now: Now) -> TokenPair:
    return auth.refresh(body, now)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this session")
def logout(principal: CurrentUser, body: LogoutRequest | None = None) -> None:
    auth.logout(principal, body or LogoutRequest())


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED, summary="E-mail a password reset link")
def forgot_password(body: EmailRequest, client: CallingClient, now: Now) -> Message:
    return auth.forgot_password(body, client, now)


@router.post("/reset-password", summary="Set a new password with the token of the reset e-mail")
def reset_password(body: ResetPasswordRequest, client: CallingClient, now: Now) -> Message:
    return auth.reset_password(body, client, now)


@router.get("/me", summary="The caller's profile")
def get_me(principal: CurrentUser) -> UserPublic:
    return principal.user


@router.put("/me", summary="Update the caller's profile")
def update_me(principal: CurrentUser, body: ProfileUpdate) -> UserPublic:
    return profile.update_profile(principal, body)
