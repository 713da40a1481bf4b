"""The issuing process of the crash campaign, run as a real child process.

It starts like a kiosk (open the database, the dispenser port and the chip reader, `recover()`), then issues
one card (mode `issue`) or stops (mode `recover`). With `--kill-at N` it SIGKILLs itself at the N-th journal
point it reaches (each journal write has three: before, inside the transaction, after the commit). It prints
one line per event on stdout, which the campaign reads: `H n point`, `P step` (the screen the customer would
see; the campaign plays the customer), `RECOVERED k`, `OUT status location`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from bind_ledger import SqliteBindLedger
from issuance_helpers import add_session, open_devices

from kiosk_app.flow.issuance import IssuanceService, Progress, recover
from sync_agent.localdb import open_db


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class KillSwitch:
    """The journal hook: counts journal points and kills this process at the chosen one."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.count = 0

    def __call__(self, point: str) -> None:
        self.count += 1
        _say(f"H {self.count} {point}")
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def _progress(progress: Progress) -> None:
    _say(f"P {progress.step}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    db = open_db(args.db)
    ledger = SqliteBindLedger(args.ledger)
    devices = open_devices(args.port, args.reader)
    hook = KillSwitch(args.kill_at)
    _say("READY")
    report = recover(db, devices.dispenser, bind_lookup=ledger.lookup, chip=devices.chip, hook=hook)
    _say(f"RECOVERED {len(report.cards)} {'staff' if report.needs_staff else 'ok'}")
    if args.mode == "issue":
        add_session(db, args.session)
        service = IssuanceService(db, devices.dispenser, devices.chip, taken_timeout_s=args.taken_timeout,
                                  poll_s=0.005, hook=hook)
        out = service.issue(args.session, bind=ledger.bind, set_pin=lambda request: True, on_progress=_progress)
        _say(f"OUT {out.status.value} {out.location.value if out.location else '-'}")
    devices.close()
    ledger.close()
    db.close()
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["issue", "recover"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--ledger", required=True)
    parser.add_argument("--port", required=True)
    parser.add_argument("--reader", required=True)
    parser.add_argument("--session", default="session-1")
    parser.add_argument("--kill-at", type=int, default=0, help="SIGKILL at this journal point (0: never)")
    parser.add_argument("--taken-timeout", type=float, default=0.2)
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
