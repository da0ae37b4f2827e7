"""Outgoing e-mail through Amazon SES (the local cloud's emulator keeps what it sends, readable by tests)."""

from shared.dal.clients import aws_client
from shared.observability import tracer
from shared.settings import get_settings


@tracer.capture_method
def send_email(to: str, subject: str, body: str) -> None:
    aws_client("ses").send_email(
        Source=get_settings().ses_sender,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )
