"""Benchmark: the software time of a whole appointment journey (full bundle) against the time spent in
the emulated devices and the reference central service during the same journey.

Sides, measured in the same run:
  - journey:  wall time from the QR scan to the thank-you screen, the scripted customer acting at once
  - outside:  time inside the journey's ports (ID card watcher excluded: it runs on its own thread) —
              issuance (dispenser, chip over pcscd, PIN pad, the bank's bind and set-PIN), central calls,
              the receipt printer, token verification — i.e. the emulators' and the service's own time
  - software: the session's handle() time minus `outside`: the state machine, journaling, screens
The emulators run with zero motor delay; pcscd's ~0.4 s card polling falls inside `outside` (issuance).
Target (issue 9): software time of the whole journey < 2 s.

Run: .venv/bin/python benchmarks/journey.py [--runs N]
"""

from __future__ import annotations

import argparse
import functools
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "assets" / "journeys" / "appointment-full-bundle.toml"


class Stopwatch:
    def __init__(self) -> None:
        self.total = 0.0

    def wrap(self, obj: object, names: list[str]) -> None:
        for name in names:
            original = getattr(obj, name)

            @functools.wraps(original)
            def timed(*args, __original=original, **kwargs):
                started = time.perf_counter()
                try:
                    return __original(*args, **kwargs)
                finally:
                    self.total += time.perf_counter() - started

            setattr(obj, name, timed)


def one_run(workdir: Path) -> dict[str, float]:
    script = load_script(SCRIPT)
    with rehearsal(workdir, script.setup) as r:
        ports, outside, handled = r.runtime.session.ports, Stopwatch(), Stopwatch()
        outside.wrap(ports.tokens, ["verify"])
        outside.wrap(ports.appointments, ["find"])
        outside.wrap(ports.central, ["verify_identity", "redeem", "record_risk_assessment", "activate"])
        outside.wrap(ports.issuer, ["issue"])
        outside.wrap(ports.printer, ["print_receipt"])
        handled.wrap(r.runtime.session, ["handle"])
        started = time.perf_counter()
        Runner(r, script).run()
        wall = time.perf_counter() - started
        return {"wall": wall, "handle": handled.total, "outside": outside.total,
                "software": handled.total - outside.total, "touches": r.runtime.session.ctx.touches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    runs = [one_run(Path(tempfile.mkdtemp(prefix="bench-journey-"))) for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "handle", "outside", "software")}
    print(f"journey runs: {args.runs} (appointment, full bundle, scripted customer acting at once)")
    print(f"journey wall time, scan to thank-you (median): {med['wall'] * 1000:8.1f} ms")
    print(f"session handle() time (median):                {med['handle'] * 1000:8.1f} ms")
    print(f"devices + central service time (median):       {med['outside'] * 1000:8.1f} ms")
    print(f"software time of the journey (median):         {med['software'] * 1000:8.1f} ms  (target < 2000 ms)")
    print(f"ratio handle / (devices + central):            {med['handle'] / med['outside']:8.3f}")
    print(f"ratio software / (devices + central):          {med['software'] / med['outside']:8.3f}")


if __name__ == "__main__":
    main()
