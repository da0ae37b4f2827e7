"""Outgoing e-mail through Amazon SES (the local cloud's emulator keeps what it sends, readable by tests).

Every message is built as MIME and sent raw, so that a message can carry headers SES's simple form cannot: a
reminder's one-click unsubscribe (RFC 8058), which mailbox providers require of mail sent in bulk."""

from email.message import EmailMessage

from botocore.exceptions import BotoCoreError, ClientError

from shared.dal.clients import aws_client
from shared.observability import tracer
from shared.settings import get_settings


class MailNotSent(Exception):
    """SES refused or could not take the message (the sandbox's unverified recipient, a throttle, an outage)."""


@tracer.capture_method
def send_email(to: str, subject: str, body: str, unsubscribe_url: str | None = None) -> None:
    sender = get_settings().ses_sender
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    try:
        # No Destinations: SES sends to the message's own To header (and authorizes its recipient).
        aws_client("ses").send_raw_email(Source=sender, RawMessage={"Data": message.as_bytes()})
    except (ClientError, BotoCoreError) as error:
        raise MailNotSent(type(error).__name__) from error
