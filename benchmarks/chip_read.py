"""Benchmark: one PAN read with ChipReader against the raw PC/SC round trips of the same APDU sequence.

The virtual PBOC card sits in a vpcd slot of the real pcscd. First one read is traced to record the exact
APDUs the reader sends; then, alternating in rounds (best round counts, so load from other processes on a
shared machine hits all sides alike):
  - read:      `ChipReader.read()` — context, presence check, connect, the EMV sequence, disconnect, worker
  - sequence:  the EMV sequence (`read_card_data`) over one already-connected handle
  - raw:       the recorded APDUs replayed with bare `SCardTransmit` over one connected handle (the limit)
for a T=0 card (61xx/6Cxx round trips) and a T=1-style card (no extra round trips).

Run: .venv/bin/python benchmarks/chip_read.py [--reads N] [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smartcard import scard

from drivers.chip import ApduChannel, ChipReader, read_card_data
from drivers.sim import pcscd
from drivers.sim.pboc_card import VirtualPbocCard

PAN = "6228480012345678901"


class Connected:
    """One context + card handle kept open for the sequence and raw sides."""

    def __init__(self, reader: str) -> None:
        _, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        protocols = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        rv, self.card, self.protocol = scard.SCardConnect(self.ctx, reader, scard.SCARD_SHARE_SHARED, protocols)
        if rv != scard.SCARD_S_SUCCESS:
            raise SystemExit(f"connect failed: {scard.SCardGetErrorMessage(rv)}")

    def transmit(self, apdu: bytes) -> bytes:
        _, response = scard.SCardTransmit(self.card, self.protocol, list(apdu))
        return bytes(response)

    def close(self) -> None:
        scard.SCardDisconnect(self.card, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(self.ctx)


def best_per_call(func: Callable[[], object], calls: int, rounds: int) -> float:
    """Best round's mean seconds per call."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            func()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def measure(reader_name: str, card: VirtualPbocCard, reads: int, rounds: int) -> dict[str, float]:
    recorded: list[bytes] = []
    reader = ChipReader(reader_name, card_timeout=5.0, read_timeout=5.0, trace=lambda c, r: recorded.append(c))
    assert reader.read().pan == PAN
    reader.trace = None
    link = Connected(reader_name)
    try:

        def raw() -> None:
            for apdu in recorded:
                scard.SCardTransmit(link.card, link.protocol, list(apdu))

        figures = {"read": float("inf"), "sequence": float("inf"), "raw": float("inf")}
        for _ in range(rounds):  # alternate sides each round
            figures["read"] = min(figures["read"], best_per_call(reader.read, reads, 1))
            figures["sequence"] = min(
                figures["sequence"], best_per_call(lambda: read_card_data(ApduChannel(link.transmit)), reads, 1)
            )
            figures["raw"] = min(figures["raw"], best_per_call(raw, reads, 1))
    finally:
        link.close()
        reader.close()
    figures["apdus"] = len(recorded)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=100, help="reads per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pcscd.ensure_pcscd()
    with pcscd.lease_slot(timeout=60.0) as lease:
        pcscd.wait_for_reader(lease.reader, present=False)
        for mode in ("T=0", "T=1"):
            card = VirtualPbocCard(PAN, port=lease.port)
            card.t0 = mode == "T=0"
            card.insert(wait=True)
            try:
                f = measure(lease.reader, card, args.reads, args.rounds)
            finally:
                card.remove(wait=True)
            apdus = int(f["apdus"])
            print(f"{mode} card, {apdus} APDU round trips per read, best of {args.rounds} rounds x {args.reads} reads")
            print(f"  read time, ChipReader.read (ms/read):          {f['read'] * 1e3:8.3f}")
            print(f"  read time, EMV sequence on open handle (ms):   {f['sequence'] * 1e3:8.3f}")
            print(f"  read time, raw SCardTransmit replay (ms):      {f['raw'] * 1e3:8.3f}")
            print(f"  raw round trip per APDU (ms):                  {f['raw'] / apdus * 1e3:8.3f}")
            print(f"  ratio ChipReader.read / raw replay:            {f['read'] / f['raw']:8.2f}")
            print(f"  ratio EMV sequence / raw replay:               {f['sequence'] / f['raw']:8.2f}")


if __name__ == "__main__":
    main()
