"""Outgoing e-mail through Amazon SES (the local cloud's emulator keeps what it sends, readable by tests)."""

from botocore.exceptions import BotoCoreError, ClientError

from shared.dal.clients import aws_client
from shared.observability import tracer
from shared.settings import get_settings


class MailNotSent(Exception):
    """SES refused or could not take the message (the sandbox's unverified recipient, a throttle, an outage)."""


@tracer.capture_method
def send_email(to: str, subject: str, body: str) -> None:
    try:
        aws_client("ses").send_email(
            Source=get_settings().ses_sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
    except (ClientError, BotoCoreError) as error:
        raise MailNotSent(type(error).__name__) from error
