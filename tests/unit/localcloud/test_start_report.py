"""What `make local` prints while it starts: a line per step, the model workers as each has loaded its model, then
one ready block ending with the line the e2e tests wait for; and how a model worker reports its load."""

import io
import os
import re
import types
from pathlib import Path

import pytest

from localcloud import queue_worker
from localcloud.__main__ import READY_LINE
from localcloud.progress import RULE, StartReport, Waiting

TIMES = re.compile(r" \(\d+\.\d s\)$")


def lines_of(out: io.StringIO) -> list[str]:
    return [TIMES.sub(" (T)", line) for line in out.getvalue().splitlines()]


def test_steps_then_children_as_each_is_ready_then_one_block() -> None:
    # Given a report to a pipe (as in CI logs), and two children, one ready at once and one on the third poll
    out = io.StringIO()
    report = StartReport(out)
    polls = iter([None, None, "model loaded"])

    # When two steps run, the children are waited for, and the ready block is printed
    with report.step("tables"):
        pass
    with report.step("data") as step:
        step.detail = "sample content, 3 sentences"
    late = report.wait_for({"slow": Waiting(lambda: next(polls)), "quick": Waiting(lambda: "answering")}, 10)
    report.ready(["API:  http://127.0.0.1:8000/api/v1"], READY_LINE)

    # Then each shows as it is done, and the block's last line is the ready line
    assert late == []
    printed = lines_of(out)
    assert printed[:5] == [
        "  ✓ tables (T)",
        "  ✓ data: sample content, 3 sentences (T)",
        "  … waiting for slow, quick",
        "  ✓ quick: answering (T)",
        "  ✓ slow: model loaded (T)",
    ]
    assert printed[5:8] == [RULE, "API:  http://127.0.0.1:8000/api/v1", RULE]
    assert re.fullmatch(r"local cloud ready after \d+\.\d s; Ctrl-C stops everything", printed[8])
    assert len(printed) == 9


def test_a_child_that_never_gets_ready_is_named_late() -> None:
    # Given a child that never reports, When it is waited for briefly, Then it is returned as late, unreported
    out = io.StringIO()
    assert StartReport(out).wait_for({"stuck": Waiting(lambda: None)}, 0.3) == ["stuck"]
    assert lines_of(out) == ["  … waiting for stuck"]


def fake_worker(monkeypatch: pytest.MonkeyPatch, warm_up: types.FunctionType) -> None:
    handler = types.SimpleNamespace(warm_up=warm_up, ENGINE="Fake OCR 1.0")
    monkeypatch.setattr(queue_worker.importlib, "import_module", lambda name: handler)


def test_a_model_worker_writes_what_it_loaded_and_keeps_the_libraries_chatter_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Given a worker whose model's native code prints while it loads (to the file descriptor, past sys.stdout)
    def warm_up() -> None:
        os.write(1, b"Creating model: ('det', '/models/det')\n")

    fake_worker(monkeypatch, warm_up)

    # When it loads its model
    queue_worker.load_model("ocr_worker", tmp_path / "ocr_worker.ready")

    # Then the ready file names the model, and what the library printed went to the log, not to the terminal
    assert (tmp_path / "ocr_worker.ready").read_text() == "Fake OCR 1.0 loaded"
    assert (tmp_path / "ocr_worker.log").read_text() == "Creating model: ('det', '/models/det')\n"
    assert capfd.readouterr().out == ""


def test_a_model_that_fails_to_load_is_reported_with_its_cause(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Given a worker whose model cannot load
    def warm_up() -> None:
        raise RuntimeError("libgomp.so.1: cannot open shared object file")

    fake_worker(monkeypatch, warm_up)

    # When it tries, Then the ready file says so, with the cause and where its output is
    queue_worker.load_model("ocr_worker", tmp_path / "ocr_worker.ready")
    assert (tmp_path / "ocr_worker.ready").read_text() == (
        "FAILED to load its model (RuntimeError: libgomp.so.1: cannot open shared object file); "
        f"its output is in {tmp_path / 'ocr_worker.log'}"
    )
