"""Benchmark: the dispenser driver's software overhead against the bare wire exchange with the same emulator.

The zero-delay emulator answers over a real pty. Alternating in rounds (the best round counts, so load from other
processes on a shared machine hits all sides alike):
  - driver status:   `CardDispenser.device_status()` (link rules, deframer, typed status)
  - raw status:      the same bytes by hand: write command, read ACK + answer, write ACK (the limit)
  - driver issue:    dispense to IC, move to gate, emulator take_card, wait_taken (4 status/move exchanges + take)
  - raw issue:       the same exchanges as bare bytes, plus take_card
Each figure line names its measure; ratios are driver / raw.

Run: .venv/bin/python benchmarks/dispenser.py [--status N] [--issues N] [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import serial

from drivers.dispenser import CardDispenser, Target
from drivers.dispenser import protocol as p
from drivers.sim.dispenser_emulator import DispenserEmulator

STATUS = p.encode_command(p.Command(p.CM.STATUS, p.PM_STATUS_DEVICE))
TO_IC = p.encode_command(p.Command(p.CM.MOVE, 0x31))
TO_GATE = p.encode_command(p.Command(p.CM.MOVE, 0x39))


class RawHost:
    """The bare exchange: write a packet, read ACK and the whole answer, ACK it. No checks beyond length."""

    def __init__(self, path: str) -> None:
        self.port = serial.serial_for_url(path, timeout=2.0)

    def exchange(self, packet: bytes) -> bytes:
        self.port.write(packet)
        head = self.port.read(5)  # ACK + STX ADDR LENH LENL
        length = (head[3] << 8) | head[4]
        rest = self.port.read(length + 2)
        self.port.write(b"\x06")
        return head[1:] + rest


def best_per_op(run: Callable[[], None], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        run()
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--status", type=int, default=1000)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pans = [f"621700{i:013d}" for i in range(args.rounds * args.issues * 2 + 10)]
    with DispenserEmulator(pans, initialised=True, bin_capacity=10**6) as emu:
        driver = CardDispenser(emu.path).open()
        raw = RawHost(emu.path)

        def driver_issue() -> None:
            assert driver.dispense(Target.IC).ok and driver.move(Target.GATE).ok
            emu.take_card()
            assert driver.wait_taken(5.0, poll_interval=0.001).ok

        def raw_issue() -> None:
            raw.exchange(STATUS)
            raw.exchange(TO_IC)
            raw.exchange(TO_GATE)
            emu.take_card()
            raw.exchange(STATUS)

        sides: dict[str, tuple[Callable[[], None], int]] = {
            "driver status": (lambda: driver.device_status(), args.status),
            "raw status": (lambda: raw.exchange(STATUS), args.status),
            "driver issue": (driver_issue, args.issues),
            "raw issue": (raw_issue, args.issues),
        }
        best = {name: float("inf") for name in sides}
        for _ in range(args.rounds):
            for name, (run, count) in sides.items():
                best[name] = min(best[name], best_per_op(run, count))
        driver.close()
        raw.port.close()
    for name, seconds in best.items():
        print(f"{name:14s} {seconds * 1e3:8.3f} ms per operation (best of {args.rounds} rounds)")
    print(f"status round trip: driver / raw = {best['driver status'] / best['raw status']:.2f}x")
    print(f"issue cycle:       driver / raw = {best['driver issue'] / best['raw issue']:.2f}x")


if __name__ == "__main__":
    main()
