"""ID card read benchmark: a full read (find + select + read text/photo) through a real pty.

1. Wire-true: the emulator paces its bytes at 115200 8N1; the driver's wall time per read is compared with
   the wire-time floor of the same bytes (commands + answers, 10 bits per byte). Target ratio <= 1.10.
2. CPU: pacing off; the driver thread's CPU time per read, against the peer — the same bytes exchanged
   with bare pyserial write/read and no framing or parsing. Target < 1 ms per read.

Run: .venv/bin/python benchmarks/idcard_read.py [--paced-reads N] [--cpu-reads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import serial

from drivers.idcard import IdCardReader, encode_command
from drivers.sim.idcard_emulator import EmulatedCard, IdCardEmulator

BAUD = 115200


def paced(reads: int) -> None:
    with IdCardEmulator(pace=True, baudrate=BAUD) as emu, IdCardReader(emu.path, BAUD, read_timeout=5) as reader:
        emu.place_card(EmulatedCard.build())
        assert reader.read_card().ok  # warm up: open the port, first-call costs
        walls, floors = [], []
        for _ in range(reads):
            before = emu.bytes_in + emu.bytes_out
            start = time.perf_counter()
            result = reader.read_card()
            walls.append(time.perf_counter() - start)
            assert result.ok, result
            floors.append((emu.bytes_in + emu.bytes_out - before) * 10 / BAUD)
    wall, floor = statistics.median(walls), statistics.median(floors)
    print(f"paced read wall time (median of {reads}): {wall * 1000:.1f} ms")
    print(f"wire-time floor of the same bytes at {BAUD} 8N1: {floor * 1000:.1f} ms")
    print(f"ratio wall / wire floor: {wall / floor:.3f} (target <= 1.10; worst run {max(walls) / floor:.3f})")


def driver_cpu(reads: int) -> float:
    with IdCardEmulator() as emu, IdCardReader(emu.path, BAUD) as reader:
        emu.place_card(EmulatedCard.build())
        assert reader.read_card().ok
        cpu = []
        for _ in range(reads):
            start = time.thread_time()
            reader.read_card()
            cpu.append(time.thread_time() - start)
    return statistics.median(cpu)


def peer_cpu(reads: int) -> float:
    """The same three exchanges with bare pyserial: fixed answer lengths, no framing, no parsing."""
    exchanges = [(encode_command(0x20, 0x01), 15), (encode_command(0x20, 0x02), 19), (encode_command(0x30, 0x01), 1295)]
    with IdCardEmulator() as emu:
        emu.place_card(EmulatedCard.build())
        port = serial.serial_for_url(emu.path, baudrate=BAUD, timeout=1)
        cpu = []
        for _ in range(reads + 1):
            start = time.thread_time()
            for frame, length in exchanges:
                port.write(frame)
                answer = port.read(length)
                assert len(answer) == length
            cpu.append(time.thread_time() - start)
        port.close()
    return statistics.median(cpu[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paced-reads", type=int, default=15)
    parser.add_argument("--cpu-reads", type=int, default=300)
    args = parser.parse_args()
    paced(args.paced_reads)
    driver, peer = driver_cpu(args.cpu_reads), peer_cpu(args.cpu_reads)
    print(f"driver CPU time per read, pacing off (median of {args.cpu_reads}): {driver * 1e6:.0f} us (target < 1000)")
    print(f"peer CPU time per read, bare pyserial same bytes: {peer * 1e6:.0f} us")
    print(f"ratio driver CPU / peer CPU: {driver / peer:.2f}")


if __name__ == "__main__":
    main()
