"""Log hygiene of the kiosk's HTTP client: a retried request leaves method, path, status and time in the kiosk
log, never its URL's query (feed cursors, snapshot page tokens), whatever urllib3 itself would have written."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app.logs.setup import build_handler
from tests.central.conftest import Sim


@pytest.fixture
def kiosk_log(tmp_path: Path) -> Iterator[Path]:
    """The kiosk's own file handler (JSON lines, redaction) on the root logger, as `kiosk app` installs it."""
    handler = build_handler("file", log_dir=tmp_path, process="kiosk")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield tmp_path / "kiosk.log"
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


@pytest.mark.parametrize("kind", ["drop", "error"])
def test_a_retried_feed_request_logs_no_cursor(sim: Sim, kiosk_log: Path, kind: str) -> None:
    sim.admin.seed(["BJ001"], 3, rng_seed=1, with_tokens=False)
    client = sim.client("BJ001")
    cursor = client.changes("BJ001").cursor
    sim.admin.arm_fault("getChanges", kind, times=2, retry_after=0)
    assert client.changes("BJ001", cursor).count == 0
    lines = [json.loads(line) for line in kiosk_log.read_text(encoding="utf-8").splitlines()]
    text = json.dumps(lines, ensure_ascii=False)
    assert cursor not in text and "cursor=" not in text and "?" not in text
    retries = [line["message"] for line in lines if "retrying in" in line["message"]]
    assert len(retries) == 2, lines
    expected = "ProtocolError" if kind == "drop" else "503"
    assert all(m.startswith(f"central GET /v1/branches/BJ001/changes: {expected}") for m in retries), retries
