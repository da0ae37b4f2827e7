"""`python -m localcloud.outbox`: the e-mails the local cloud has sent (SES in the emulator), newest last."""

import argparse
from dataclasses import dataclass
from typing import Any

import requests

DEFAULT_EMULATOR = "http://127.0.0.1:4566"


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    subject: str
    body: str


def sent_emails(emulator_url: str = DEFAULT_EMULATOR, to: str | None = None) -> list[SentEmail]:
    state: dict[str, Any] = requests.get(f"{emulator_url}/moto-api/data.json", timeout=10).json()
    emails = [
        SentEmail(to=m["destinations"]["ToAddresses"], subject=m["subject"], body=m["body"])
        for m in state.get("ses", {}).get("Message", [])
    ]
    return [e for e in emails if to is None or to in e.to]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.outbox", description=__doc__)
    parser.add_argument("--emulator", default=DEFAULT_EMULATOR, help=f"emulator URL (default {DEFAULT_EMULATOR})")
    parser.add_argument("--to", default=None, help="only mail to this address")
    args = parser.parse_args()
    for email in sent_emails(args.emulator, args.to):
        print(f"To: {', '.join(email.to)}\nSubject: {email.subject}\n\n{email.body}\n{'-' * 60}")


if __name__ == "__main__":
    main()
