"""Benchmark: what sealing personal data at rest costs on the two hot paths, each against its own plaintext
baseline in the same run.

1. The service reads a feed page of 1,000 appointments (Store.feed: select + open each document), sealed
   documents against the same store holding the documents in the clear (decrypt_field passes unsealed values).
2. The kiosk applies feed pages of 1,000 new appointments (apply.apply_page: seal each payload, upsert, cursor)
   against the same pages applied with a sealer that stores payloads as they are.

Printed: median of the repeats for each, and the ratio sealed / plain.

Run: .venv/bin/python benchmarks/encryption_at_rest.py [--rows 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central_api_client.checksum import canonical_json  # noqa: E402
from central_service import schema as t  # noqa: E402
from central_service.db import Database  # noqa: E402
from central_service.migrations import upgrade  # noqa: E402
from central_service.seed import generate  # noqa: E402
from central_service.store import Store  # noqa: E402
from sync_agent import apply  # noqa: E402
from sync_agent.apply import FeedRow  # noqa: E402
from sync_agent.localdb import open_db  # noqa: E402
from sync_agent.sealing import DataKey, Sealer  # noqa: E402


class _PlainSealer(Sealer):
    """The baseline: stores the payload as it is (what the kiosk did before sealing)."""

    def seal(self, plaintext: str, context: str) -> str:
        return plaintext


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _central(work: Path, rows: int, repeat: int) -> tuple[float, float]:
    docs = list(generate(["BJ001"], rows, rng_seed=7, now=datetime(2026, 3, 1, tzinfo=UTC)))
    results = []
    for name, sealed in (("sealed", True), ("plain", False)):
        db = Database(f"sqlite:///{work / f'central-{name}.sqlite'}")
        upgrade(db.engine)
        store = Store(db)
        store.put_appointments_bulk(docs)
        if not sealed:  # the same rows with their documents in the clear
            with db.tx() as conn:
                for d in docs:
                    conn.execute(t.appointments.update().where(t.appointments.c.id == d["id"])
                                 .values(doc=canonical_json(d).decode("utf-8")))
        assert len(store.feed("BJ001", 0, rows)[0]) == rows
        results.append(_median(lambda store=store: store.feed("BJ001", 0, rows), repeat))
        db.dispose()
    return results[0], results[1]


def _page(rows: int, first: int) -> list[FeedRow]:
    """A feed page of new appointments (new ids every time: rewriting identical rows would cost SQLite nothing)."""
    rng = random.Random(first)
    return [FeedRow(f"apt_{i:016d}", "BJ001", "individual", "booked", 1, "2026-03-01T00:00:00Z",
                    json.dumps({"id": f"apt_{i:016d}", "customer": {"name": "张" * rng.randint(2, 3),
                                "id_number": "11010519491231002X", "phone": "13812345678"}, "pad": "x" * 900},
                               ensure_ascii=False)) for i in range(first, first + rows)]


def _kiosk(work: Path, rows: int, repeat: int) -> tuple[float, float]:
    pages = [_page(rows, n * rows) for n in range(repeat)]
    results = []
    for name in ("sealed", "plain"):
        db = open_db(work / f"kiosk-{name}.sqlite")
        if name == "plain":
            db._sealer = _PlainSealer(DataKey.generate())
        feed = iter(pages)
        results.append(_median(lambda db=db, feed=feed: apply.apply_page(db, "BJ001", next(feed), [], "c"), repeat))
        db.close()
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sealed, plain = _central(work, args.rows, args.repeat)
        print(f"central feed page of {args.rows}: sealed {sealed * 1000:.1f} ms, plain {plain * 1000:.1f} ms, "
              f"ratio {sealed / plain:.2f}")
        sealed, plain = _kiosk(work, args.rows, args.repeat)
        print(f"kiosk apply of {args.rows} rows: sealed {sealed * 1000:.1f} ms, plain {plain * 1000:.1f} ms, "
              f"ratio {sealed / plain:.2f}")


if __name__ == "__main__":
    main()
