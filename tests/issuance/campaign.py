"""The crash campaign: SIGKILL a real issuing process at journal points or at random times, restart, recover, check.

The hardware (dispenser emulator + virtual chip cards on pcscd) lives in this process and survives every
kill, as a real dispenser survives the kiosk's computer crashing. The campaign plays the customer: when the
child prints `P take_card`, the customer takes the card (or walks away, for the retract path).
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bind_ledger import SqliteBindLedger
from issuance_helpers import check_invariants

from drivers.sim.issuance_rig import IssuanceRig, make_pans
from kiosk_app.flow.issuance import CardBook
from sync_agent.localdb import open_db

HARNESS = Path(__file__).with_name("harness.py")
CHILD_TIMEOUT = 60.0  # safety net only: a child that hangs this long fails the campaign


@dataclass
class ChildRun:
    """One child process: its exit code (-9 when killed) and what it printed."""

    returncode: int
    lines: list[str]

    @property
    def points(self) -> list[str]:
        return [line.split()[2] for line in self.lines if line.startswith("H ")]

    @property
    def killed(self) -> bool:
        return self.returncode == -9


@dataclass
class Campaign:
    """Owns the rig, the kiosk database file and the bank's ledger file across every run."""

    workdir: Path
    cards: int
    seed: int = 5
    rig: IssuanceRig = field(init=False)
    runs: int = 0
    kills: int = 0
    settled: int = 0  # cards the restarted kiosk had to settle

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.db_path, self.ledger_path = self.workdir / "kiosk.db", self.workdir / "bank.db"
        self.rig = IssuanceRig(make_pans(self.cards), bin_capacity=999)
        with open_db(self.db_path) as db:
            CardBook(db).set_storage(stack=self.cards, bin_count=0, reason="refill", staff_id="campaign")
        SqliteBindLedger(self.ledger_path).close()

    def close(self) -> None:
        self.rig.close()

    def child(self, mode: str, *, kill_at: int = 0, kill_after: float | None = None, customer: str = "take",
              taken_timeout: float = 0.15) -> ChildRun:
        """Run the harness once; `kill_after` SIGKILLs it that many seconds after it is ready."""
        self.runs += mode == "issue"
        argv = [sys.executable, str(HARNESS), mode, "--db", str(self.db_path), "--ledger", str(self.ledger_path),
                "--port", self.rig.path, "--reader", self.rig.reader, "--session", f"s{self.runs}",
                "--kill-at", str(kill_at), "--taken-timeout", str(taken_timeout)]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=HARNESS.parent)
        lines: list[str] = []
        ready = threading.Event()
        reader = threading.Thread(target=self._read, args=(proc, lines, ready, customer), daemon=True)
        reader.start()
        if kill_after is not None and ready.wait(CHILD_TIMEOUT):
            try:
                proc.wait(kill_after)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait(CHILD_TIMEOUT)
        reader.join(CHILD_TIMEOUT)
        self.kills += proc.returncode == -9
        return ChildRun(proc.returncode, lines)

    def _read(self, proc: subprocess.Popen, lines: list[str], ready: threading.Event, customer: str) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.strip()
            lines.append(line)
            if line == "READY":
                ready.set()
            elif line == "P take_card" and customer == "take":
                self.rig.emulator.take_card()
        ready.set()

    def restart_and_check(self, *, recovery_kill: int = 0) -> ChildRun:
        """Restart the kiosk (optionally killing the recovery too, then restarting again) and check."""
        if recovery_kill:
            self.child("recover", kill_at=recovery_kill)
        run = self.child("recover")
        assert run.returncode == 0, run.lines
        self.settled += sum(int(line.split()[1]) for line in run.lines if line.startswith("RECOVERED"))
        self.check()
        return run

    def check(self) -> None:
        with open_db(self.db_path) as db, SqliteBindLedger(self.ledger_path) as ledger:
            check_invariants(db, ledger, self.rig.emulator.snapshot(), self.cards)

    def issue_and_recover(self, *, kill_at: int = 0, kill_after: float | None = None, customer: str = "take",
                          recovery_kill: int = 0) -> ChildRun:
        """One campaign run: issue (maybe killed), restart + recover (maybe killed too), check invariants."""
        run = self.child("issue", kill_at=kill_at, kill_after=kill_after, customer=customer)
        assert run.returncode in (0, -9), run.lines
        if kill_at:
            assert run.killed, f"kill point {kill_at} never reached: {run.lines}"
        self.restart_and_check(recovery_kill=recovery_kill)
        return run
