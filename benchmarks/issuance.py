"""Benchmark: the software overhead of one card issuance against the emulated devices' own time, and the PAN
read against the raw APDU round trips of the same sequence.

Sides, alternating in rounds (the best round counts, so load from other processes hits every side alike):
  - issue:    `IssuanceService.issue()` end to end: one journal transaction per step (SQLite WAL, synchronous=FULL,
              hash chain), the driver's framing and link rules, the adapters, the chip read, gate polling
  - devices:  the same dispenser commands and the same chip read, sent bare through the drivers, no journal
              (the emulators' own time plus the wire: the limit); the command counts are checked equal
  - pan read: `ChipReaderAdapter.read_pan()` (context, presence, connect, EMV sequence, disconnect)
  - raw:      the APDUs of that read replayed with bare `SCardTransmit` over one open handle (the limit)
The dispenser emulator runs with zero motor delay; the chip card stays in the IC station for the whole run,
so pcscd's ~0.4 s card polling (identical on both sides) is left out. The bank's bind is an in-memory
callable: its time is the bank's, not the kiosk's.

Run: .venv/bin/python benchmarks/issuance.py [--issues N] [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smartcard import scard

from drivers.chip import ChipReader
from drivers.dispenser import CardDispenser, Target
from drivers.sim import pcscd
from drivers.sim.dispenser_emulator import DispenserEmulator
from drivers.sim.issuance_rig import make_pans
from drivers.sim.pboc_card import VirtualPbocCard
from kiosk_app.flow.issuance import BindOutcome, IssuanceService, Progress
from kiosk_app.flow.issuance.adapters import CardDispenserAdapter, ChipReaderAdapter
from sync_agent.localdb import LocalDb, open_db

PAN = "6217000000000000012"


class Bench:
    """The emulated hardware, the kiosk's drivers and database, and a counter of sessions."""

    def __init__(self, lease: pcscd.SlotLease, workdir: Path, cards: int) -> None:
        self.emulator = DispenserEmulator(make_pans(cards), initialised=True)
        self.card = VirtualPbocCard(PAN, port=lease.port)
        self.card.insert(wait=True)
        self.driver = CardDispenser(self.emulator.path).open()
        self.reader = ChipReader(lease.reader, card_timeout=5.0, read_timeout=5.0)
        self.db: LocalDb = open_db(workdir / "kiosk.db")
        self.service = IssuanceService(self.db, CardDispenserAdapter(self.driver), ChipReaderAdapter(self.reader.read),
                                       taken_timeout_s=5.0, poll_s=0.001)
        self.service.book.set_storage(stack=cards, bin_count=0, reason="benchmark")
        self.sessions = 0

    def issue(self) -> None:
        self.sessions += 1
        session = f"b{self.sessions}"
        with self.db.transaction() as d:
            d.execute("INSERT INTO kiosk_sessions (id, kind, state, started_at) VALUES (?, 'bench', 'issuing', '-')",
                      (session,))
        out = self.service.issue(session, bind=lambda r: BindOutcome(True, "acct"), set_pin=lambda r: True,
                                 on_progress=self._customer)
        assert out.ok, out

    def _customer(self, progress: Progress) -> None:
        if progress.step == "take_card":
            self.emulator.take_card()

    def devices(self) -> None:
        """What issue() asks of the devices, in the same order, with nothing around it."""
        drv = self.driver
        drv.device_status()  # precheck
        drv.dispense(Target.IC)  # status + move
        assert self.reader.read().pan == PAN
        drv.device_status()  # the adapter's guard before presenting
        drv.move(Target.GATE)
        drv.device_status()  # where the card went
        self.emulator.take_card()
        drv.device_status()  # taken

    def close(self) -> None:
        self.driver.close()
        self.emulator.close()
        self.card.remove(wait=True)
        self.db.close()


def per_call(func: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - start) / calls


def commands(bench: Bench, func: Callable[[], object]) -> int:
    before = bench.emulator.stats["commands"]
    func()
    return bench.emulator.stats["commands"] - before


def raw_replay(reader_name: str, apdus: list[bytes]) -> Callable[[], None]:
    _, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    protocols = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    rv, card, protocol = scard.SCardConnect(ctx, reader_name, scard.SCARD_SHARE_SHARED, protocols)
    if rv != scard.SCARD_S_SUCCESS:
        raise SystemExit(f"connect failed: {scard.SCardGetErrorMessage(rv)}")

    def replay() -> None:
        for apdu in apdus:
            scard.SCardTransmit(card, protocol, list(apdu))
    return replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10, help="issuances per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pcscd.ensure_pcscd()
    with pcscd.lease_slot(timeout=90.0) as lease, tempfile.TemporaryDirectory() as tmp:
        pcscd.wait_for_reader(lease.reader, present=False)
        bench = Bench(lease, Path(tmp), args.issues * args.rounds * 2 + 4)
        try:
            report(bench, lease.reader, args.issues, args.rounds)
        finally:
            bench.close()


def report(bench: Bench, reader_name: str, issues: int, rounds: int) -> None:
    rows_before = bench.db.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
    n_issue = commands(bench, bench.issue)
    rows = bench.db.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] - rows_before
    n_bare = commands(bench, bench.devices)
    assert n_issue == n_bare, f"issue() sent {n_issue} dispenser commands, the bare side {n_bare}"
    apdus: list[bytes] = []
    bench.reader.trace = lambda command, response: apdus.append(command)
    bench.reader.read()
    bench.reader.trace = None
    raw = raw_replay(reader_name, apdus)
    pan_read = bench.service.chip.read_pan
    best = {"issue": float("inf"), "devices": float("inf"), "pan": float("inf"), "raw": float("inf")}
    for _ in range(rounds):
        best["issue"] = min(best["issue"], per_call(bench.issue, issues))
        best["devices"] = min(best["devices"], per_call(bench.devices, issues))
        best["pan"] = min(best["pan"], per_call(pan_read, issues * 5))
        best["raw"] = min(best["raw"], per_call(raw, issues * 5))
    ms = {k: v * 1e3 for k, v in best.items()}
    print(f"one issuance: {n_issue} dispenser commands, {len(apdus)} APDUs, {rows} journal transactions; "
          f"best of {rounds} rounds x {issues}")
    print(f"  issuance time, IssuanceService.issue (ms/card):        {ms['issue']:8.2f}")
    print(f"  device time, same commands + chip read bare (ms/card): {ms['devices']:8.2f}")
    print(f"  software overhead, issue - devices (ms/card):          {ms['issue'] - ms['devices']:8.2f}")
    print(f"  ratio issue / devices:                                 {best['issue'] / best['devices']:8.2f}")
    print(f"  PAN read time, ChipReaderAdapter.read_pan (ms):        {ms['pan']:8.2f}")
    print(f"  raw APDU replay time, same APDUs (ms):                 {ms['raw']:8.2f}")
    print(f"  ratio PAN read / raw APDU round trips:                 {best['pan'] / best['raw']:8.2f}")


if __name__ == "__main__":
    main()
