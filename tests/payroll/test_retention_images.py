"""ID card images leave with the rest of an entry's personal data: once the entry is final (removed, refused,
opened) and the payroll retention period has passed, the purge deletes its images; others stay."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from central_service.app import build_central
from central_service.ids import make_uscc
from central_service.payroll.agreement import company_agreement
from central_service.payroll.exports import results_csv
from central_service.payroll.images import ImageVault
from central_service.payroll.people import Employee
from central_service.payroll.states import Action
from central_service.payroll.store import PayrollStore
from central_service.retention import Periods, Retention
from central_service.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _photo() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 40), random.Random(1).randbytes(64 * 40 * 3)).save(out, format="PNG")
    return out.getvalue()


def test_images_of_final_entries_are_purged_after_the_period_and_results_still_read(tmp_path: Path) -> None:
    clock = Clock()
    central = build_central(Settings(database=f"sqlite:///{tmp_path / 'c.sqlite'}", key_dir=None), clock=clock)
    try:
        payroll = PayrollStore(central.store.db, clock)
        company = payroll.register_company("厦门示例科技有限公司", make_uscc("350203", random.Random(2)),
                                           "3502031234567890", "BJ001", by="test")
        payroll.accept_agreement(company.id, company_agreement(), by="test")
        agent, _ = payroll.add_agent(company.id, "经办", "images.agent", "correct horse battery")
        batch = payroll.create_batch(agent, "b", "payroll_debit", payroll.today() + timedelta(days=7), 2)
        kept = payroll.add_entry(batch.id, Employee("王小明", "11010519491231002X", None, "13812345678"))
        gone = payroll.add_entry(batch.id, Employee("李四", "110105194912310021", None, "13812345679"))
        vault = ImageVault(central.store.db, central.store.now)
        for entry in (kept, gone):
            for side in ("front", "back"):
                vault.put(entry.id, side, _photo())
        payroll.change_entry(batch.id, gone.id, Action.REMOVE)
        retention = Retention(central.store, Periods())
        assert retention.purge()["payroll ID images"] == 0  # not yet past the period
        clock.now += timedelta(days=100)
        held = {h.kind: (h.held, h.due) for h in retention.report()}
        assert held["payroll ID images"] == (4, 2)
        assert retention.purge()["payroll ID images"] == 2
        assert vault.sides(gone.id) == set() and vault.sides(kept.id) == {"front", "back"}
        assert vault.get(kept.id, "front") == ("image/png", _photo())
        rows = results_csv(payroll, batch.id, {}).decode("utf-8-sig").splitlines()
        assert rows[1].split(",")[1] == "王小明" and rows[2].split(",")[1:4] == ["李*", "110***********0021", "removed"]
    finally:
        central.store.db.dispose()
