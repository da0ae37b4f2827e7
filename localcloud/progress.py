"""What `python -m localcloud` prints while it starts: a line per step with the time it took, a live counter on a
terminal while the slow part (the model workers loading their models) runs, then one block with what a developer
needs, whose last line says it is ready (the e2e tests wait for it)."""

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

POLL_SECONDS = 0.2
RULE = "─" * 72


@dataclass
class Step:
    """What a step found out, shown on its line (e.g. how much sample content it loaded)."""

    detail: str = ""


@dataclass(frozen=True)
class Waiting:
    """A child still getting ready: `outcome()` is None until then, afterwards what it says of itself."""

    outcome: Callable[[], str | None]


class StartReport:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self._out = out
        self._live = out.isatty()  # a terminal: lines may be rewritten; a pipe (tests, CI logs): whole lines only
        self._started = time.monotonic()

    def _print(self, text: str, *, end: str = "\n") -> None:
        self._out.write(text + end)
        self._out.flush()

    def _done(self, what: str, seconds: float, detail: str = "") -> None:
        clear = "\r\033[K" if self._live else ""
        self._print(f"{clear}  ✓ {what}{f': {detail}' if detail else ''} ({seconds:.1f} s)")

    @contextmanager
    def step(self, what: str) -> Iterator[Step]:
        if self._live:
            self._print(f"  … {what}", end="")
        started = time.monotonic()
        step = Step()
        yield step
        self._done(what, time.monotonic() - started, step.detail)

    def wait_for(self, children: Mapping[str, Waiting], timeout_seconds: float) -> list[str]:
        """Poll each child until it has an outcome, printing each as it comes; the names of those that had none
        within the timeout."""
        started = time.monotonic()
        pending = dict(children)
        if not self._live:
            self._print(f"  … waiting for {', '.join(pending)}")
        while pending and time.monotonic() - started < timeout_seconds:
            for name, child in list(pending.items()):
                outcome = child.outcome()
                if outcome is not None:
                    self._done(name, time.monotonic() - started, outcome)
                    del pending[name]
            if pending and self._live:
                self._print(f"\r\033[K  … {', '.join(pending)} ({time.monotonic() - started:.0f} s)", end="")
            time.sleep(POLL_SECONDS)
        return list(pending)

    def ready(self, lines: list[str], ready_line: str) -> None:
        elapsed = time.monotonic() - self._started
        self._print("\n".join([RULE, *lines, RULE, f"{ready_line} after {elapsed:.1f} s; Ctrl-C stops everything"]))
