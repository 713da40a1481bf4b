"""Benchmark: build the electronic batch file of a 2,000-employee batch from the service's store (goal < 2 s),
then validate it; against the peer, Python's csv module writing the same records as CSV UTF-8 from the same
rows (the cheapest reasonable file a batch could be), in the same run.

Printed: the time to read the batch and write the fixed-width GB18030 file, the time to validate it, the CSV
baseline's time, and the ratio fixed-width / CSV.

Run: .venv/bin/python benchmarks/payroll_batch_file.py [--employees 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central_service.db import Database  # noqa: E402
from central_service.ids import make_id_number, make_uscc  # noqa: E402
from central_service.migrations import upgrade  # noqa: E402
from central_service.payroll import batch_file  # noqa: E402
from central_service.payroll.agreement import company_agreement  # noqa: E402
from central_service.payroll.exports import IN_FILE, batch_file_bytes  # noqa: E402
from central_service.payroll.people import Employee  # noqa: E402
from central_service.payroll.store import PayrollStore  # noqa: E402


def _fill(payroll: PayrollStore, employees: int) -> str:
    rng = random.Random(2000)
    company = payroll.register_company("厦门示例科技有限公司", make_uscc("350203", rng), "3502031234567890", "BJ001",
                                       by="bench")
    payroll.accept_agreement(company.id, company_agreement(), by="bench")
    agent = payroll.add_agent(company.id, "经办", "bench.agent", "bench-password")[0]
    batch = payroll.create_batch(agent, "bench", "payroll_debit", payroll.today() + timedelta(days=7), employees)
    seen: set[str] = set()
    while len(seen) < employees:
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 14000))
        number = make_id_number("350203", born, rng, male=rng.random() < 0.5)
        if number in seen:
            continue
        seen.add(number)
        payroll.add_entry(batch.id, Employee("张" + rng.choice("伟芳娜敏静丽强"), number, None,
                                             f"139{rng.randrange(10**8):08d}"))
    payroll.submit(agent, batch.id, payroll.batch(batch.id).revision)
    return batch.id


def _csv(payroll: PayrollStore, batch_id: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for entry, p in payroll.with_employees(batch_id, IN_FILE):
        writer.writerow((entry.line, entry.id, p.name, p.id_number, p.id_expiry or "", p.sex,
                         p.date_of_birth.isoformat(), p.mobile, p.employee_number))
    return out.getvalue().encode("utf-8")


def _best(action, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'central.sqlite'}")
        upgrade(db.engine)
        payroll = PayrollStore(db, lambda: datetime.now(UTC))
        print(f"filling a batch of {args.employees} employees ...", flush=True)
        batch_id = _fill(payroll, args.employees)
        built, data = _best(lambda: batch_file_bytes(payroll, batch_id), args.repeat)
        checked, problems = _best(lambda: batch_file.validate(data), args.repeat)
        baseline, _ = _best(lambda: _csv(payroll, batch_id), args.repeat)
        db.dispose()
    assert problems == [], problems[:3]
    print(f"batch file, {args.employees} employees, {len(data)} bytes: built in {built * 1000:.1f} ms "
          f"(goal < 2000 ms), validated in {checked * 1000:.1f} ms")
    print(f"baseline csv module, same rows: {baseline * 1000:.1f} ms; ratio fixed-width/csv {built / baseline:.2f}")


if __name__ == "__main__":
    main()
