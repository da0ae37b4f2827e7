"""`python -m localcloud.outbox`: the e-mails the local cloud has sent (SES in the emulator), newest last."""

import argparse
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import requests

DEFAULT_EMULATOR = "http://127.0.0.1:4566"


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    subject: str
    body: str
    headers: dict[str, str]


def parsed(raw_message: str) -> SentEmail:
    """A message as the app sends it (shared/dal/mailer.py: MIME, sent raw), read back."""
    message = email.message_from_string(raw_message, policy=email.policy.default)
    text = message.get_body(("plain",))
    return SentEmail(
        to=[address.addr_spec for address in message["To"].addresses],
        subject=str(message["Subject"]),
        body=text.get_content() if isinstance(text, EmailMessage) else "",
        headers={name: str(value) for name, value in message.items()},
    )


def sent_emails(emulator_url: str = DEFAULT_EMULATOR, to: str | None = None) -> list[SentEmail]:
    state: dict[str, Any] = requests.get(f"{emulator_url}/moto-api/data.json", timeout=10).json()
    emails = [parsed(m["raw_data"]) for m in state.get("ses", {}).get("RawMessage", [])]
    return [e for e in emails if to is None or to in e.to]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.outbox", description=__doc__)
    parser.add_argument("--emulator", default=DEFAULT_EMULATOR, help=f"emulator URL (default {DEFAULT_EMULATOR})")
    parser.add_argument("--to", default=None, help="only mail to this address")
    args = parser.parse_args()
    for sent in sent_emails(args.emulator, args.to):
        print(f"To: {', '.join(sent.to)}\nSubject: {sent.subject}\n\n{sent.body}\n{'-' * 60}")


if __name__ == "__main__":
    main()
