"""`python -m localcloud.outbox`: the e-mails the local cloud has sent (SES in the emulator), newest last;
`--to ADDRESS --code` prints only the code of the newest one to that address (a confirmation or a reset)."""

import argparse
import email
import email.policy
import re
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import requests

DEFAULT_EMULATOR = "http://127.0.0.1:4566"
CODE = re.compile(r"enter this code: (\S+)")  # the wording of shared/services/auth.py's e-mails


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    subject: str
    body: str
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        match = CODE.search(self.body)
        return match.group(1) if match else None


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


def latest_code(emulator_url: str, to: str, subject: str | None = None) -> str | None:
    """The code of the newest e-mail to `to` (of that subject) that has one."""
    codes = [e.code for e in sent_emails(emulator_url, to) if e.code and subject in (None, e.subject)]
    return codes[-1] if codes else None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.outbox", description=__doc__)
    parser.add_argument("--emulator", default=DEFAULT_EMULATOR, help=f"emulator URL (default {DEFAULT_EMULATOR})")
    parser.add_argument("--to", default=None, help="only mail to this address")
    parser.add_argument("--code", action="store_true", help="only the code of the newest e-mail (needs --to)")
    args = parser.parse_args()
    if args.code:
        if args.to is None:
            parser.error("--code needs --to ADDRESS")
        code = latest_code(args.emulator, args.to)
        if code is None:
            sys.exit(f"no e-mail with a code to {args.to}")
        print(code)
        return
    for sent in sent_emails(args.emulator, args.to):
        print(f"To: {', '.join(sent.to)}\nSubject: {sent.subject}\n\n{sent.body}\n{'-' * 60}")


if __name__ == "__main__":
    main()
