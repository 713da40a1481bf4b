"""Retention on the central side: what the store holds, and the purge of what is past its period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from central_service import schema as t
from central_service.admin import CentralAdmin
from central_service.app import build_central
from central_service.cli import cli
from central_service.retention import Periods, Retention
from central_service.settings import Settings
from central_service.store import Kiosk, Store
from central_service.timefmt import iso

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _held(retention: Retention) -> dict[str, tuple[int, int]]:
    return {h.kind: (h.held, h.due) for h in retention.report()}


def test_purge_masks_cancels_and_deletes_what_is_past_its_period(tmp_path: Path) -> None:
    clock = Clock()
    central = build_central(Settings(database=f"sqlite:///{tmp_path / 'c.sqlite'}", key_dir=None), clock=clock)
    store, admin = central.store, CentralAdmin(central)
    try:
        past = admin.create_appointment("BJ001", rng_seed=1, scheduled_for=iso(T0 + timedelta(days=1)))
        done = admin.create_appointment("BJ001", rng_seed=2)
        gone = admin.create_appointment("BJ001", rng_seed=3)
        later = admin.create_appointment("BJ001", rng_seed=4, scheduled_for=iso(T0 + timedelta(days=60)))
        admin.update_appointment(done["id"], status="redeemed")
        admin.cancel_appointment(gone["id"])
        kiosk = Kiosk("k1", "BJ001")
        store.add_walk_in("wi_1", kiosk, "h", T0.timestamp() + 600, json.dumps({"name": "王小明"}))
        store.add_event(kiosk, "key-1", "fp", {"stream": "s", "kind": "k", "occurred_at": iso(T0)}, '{"a":1}')
        store.store_answer("BJ001", "key-2", "fp", 200, "{}")
        retention = Retention(store, Periods())
        assert all(due == 0 for _, due in _held(retention).values())
        assert retention.purge() == dict.fromkeys(retention.purge(), 0)

        clock.now = T0 + timedelta(days=40)
        assert _held(retention) == {
            "booked appointments": (2, 1), "completed appointments": (1, 1), "cancelled appointments": (1, 1),
            "walk-in forms": (1, 1), "event payloads": (1, 0), "stored answers": (1, 1), "payroll entries": (0, 0),
            "texts sent (SMS)": (0, 0), "sign-in codes": (0, 0),
            "e-banking phone codes": (0, 0), "web sessions": (0, 0), "booking drafts": (0, 0),
            "payroll ID images": (0, 0)}
        position = store.position("BJ001")
        assert retention.purge() == {
            "expired appointments": 1, "completed appointments": 1, "cancelled appointments": 1,
            "walk-in forms": 1, "event payloads": 0, "stored answers": 1, "payroll entries": 0,
            "texts sent (SMS)": 0, "sign-in codes": 0, "e-banking phone codes": 0, "web sessions": 0,
            "booking drafts": 0,
            "payroll ID images": 0}

        expired = store.get_appointment(past["id"])
        assert expired["status"] == "cancelled" and expired["customer"]["name"] == "*"
        assert "tax_residency" not in expired and "risk_questionnaire" not in expired
        rows, _ = store.feed("BJ001", position, 10)  # every kiosk hears of it: a tombstone after the purge
        assert [(r.status, json.loads(r.doc)["id"]) for r in rows] == [("cancelled", past["id"])]
        masked = store.get_appointment(done["id"])
        assert masked["status"] == "redeemed" and masked["customer"]["id_number"] == "*****"
        assert store.get_appointment(gone["id"]) is None and store.horizon("BJ001") > 0
        assert store.get_appointment(later["id"]) == later
        assert store.walk_in("wi_1") is None and store.answer_for("BJ001", "key-2") is None
        assert _held(retention)["completed appointments"] == (0, 0)

        clock.now = T0 + timedelta(days=100)
        purged = retention.purge()
        assert purged["event payloads"] == 1 and purged["completed appointments"] == 0
        with store.db.read() as conn:
            payload = conn.execute(t.events.select()).one().payload
        assert store.fields.decrypt_field(payload, f"events.payload:{store_event_id(store)}") == '{"purged":true}'
        assert store.event_by_key("BJ001", "key-1") is not None  # the key stays: a replay is still recognised
    finally:
        store.db.dispose()


def store_event_id(store: Store) -> str:
    with store.db.read() as conn:
        return conn.execute(t.events.select()).one().event_id


def test_retention_commands_report_and_purge(tmp_path: Path) -> None:
    config = tmp_path / "central.toml"
    config.write_text(f'[central]\ndatabase = "sqlite:///{tmp_path / "c.sqlite"}"\nkey_dir = "{tmp_path / "k"}"\n'
                      "retention_walk_in_days = 3\n", encoding="utf-8")
    runner = CliRunner()
    seeded = runner.invoke(cli, ["--config", str(config), "seed", "--per-branch", "3", "--branch", "BJ001"])
    assert seeded.exit_code == 0, seeded.output
    report = runner.invoke(cli, ["--config", str(config), "retention", "report"])
    assert report.exit_code == 0, report.output
    assert "booked appointments" in report.output and "walk-in forms" in report.output and "3d" in report.output
    purge = runner.invoke(cli, ["--config", str(config), "retention", "purge"])
    assert purge.exit_code == 0 and "expired appointments: 0 purged" in purge.output


def test_payroll_entries_lose_their_personal_data_once_done_and_past_the_period(tmp_path: Path) -> None:
    import random

    import pytest

    from central_service.ids import make_uscc
    from central_service.payroll import errors
    from central_service.payroll.agreement import company_agreement
    from central_service.payroll.people import Employee
    from central_service.payroll.states import Action
    from central_service.payroll.store import PayrollStore

    clock = Clock()
    central = build_central(Settings(database=f"sqlite:///{tmp_path / 'c.sqlite'}", key_dir=None), clock=clock)
    try:
        payroll = PayrollStore(central.store.db, clock)
        company = payroll.register_company("厦门示例科技有限公司", make_uscc("350203", random.Random(2)),
                                           "3502031234567890", "BJ001", by="test")
        payroll.accept_agreement(company.id, company_agreement(), by="test")
        agent = payroll.add_agent(company.id, "经办", "test.agent", "correct horse battery")[0]
        batch = payroll.create_batch(agent, "b", "payroll_debit", payroll.today() + timedelta(days=7), 2)
        kept = payroll.add_entry(batch.id, Employee("王小明", "11010519491231002X", None, "13812345678"))
        gone = payroll.add_entry(batch.id, Employee("李四", "110105194912310021", None, "13812345679"))
        payroll.change_entry(batch.id, gone.id, Action.REMOVE)
        retention = Retention(central.store, Periods())
        clock.now = T0 + timedelta(days=100)
        assert _held(retention)["payroll entries"] == (2, 1)
        assert retention.purge()["payroll entries"] == 1
        with pytest.raises(errors.NotFound):
            payroll.employee(gone.id)
        assert payroll.employee(kept.id).name == "王小明"  # still in the batch's work: kept
        assert _held(retention)["payroll entries"] == (1, 0)
    finally:
        central.store.db.dispose()


def test_phone_pages_leave_nothing_behind_after_the_period(tmp_path: Path) -> None:
    from datetime import date

    from central_service.phone.bookings import Bookings
    from central_service.phone.sign_in import SignInCodes
    from central_service.sms import SimulatedSmsGateway
    from central_service.web.sessions import WebSessions

    central = build_central(Settings(database=f"sqlite:///{tmp_path / 'c.sqlite'}", key_dir=None))
    try:
        store, phone = central.store, "13812345678"
        sms = SimulatedSmsGateway(store.db)
        SignInCodes(store.db, sms, b"k" * 32).send_code(phone)
        sessions = WebSessions(store.db)
        sessions.save(sessions.new())
        bookings = Bookings(store)
        today = datetime.now(UTC).date()
        booking_id = bookings.start(phone, "BJ001", today, "09:00", 4)
        bookings.save_part(bookings.get(booking_id, phone), "customer", {"name": "王小明"})
        with store.db.tx() as conn:  # a kiosk's e-banking code (activation/): hashes and a masked number only
            conn.execute(t.phone_verifications.insert().values(
                id="pvf_1", branch_id="BJ001", kiosk_session_id="s1", account_id="acc_1", phone_hash="0" * 64,
                phone_masked="138****5678", code_hash="1" * 64, status="confirmed", attempts_left=5,
                expires_at=datetime.now(UTC).timestamp() + 300, created_at=iso(datetime.now(UTC))))
        later = Retention(store, Periods(), clock=lambda: datetime.now(UTC) + timedelta(days=10))
        held = {h.kind: (h.held, h.due) for h in later.report()}
        kinds = ("texts sent (SMS)", "sign-in codes", "e-banking phone codes", "web sessions", "booking drafts")
        assert [held[k] for k in kinds] == [(1, 1)] * 5
        done = later.purge()
        assert [done[k] for k in kinds] == [1] * 5
        assert sms.last(phone) is None and bookings.get(booking_id, phone).draft == {}
        assert date.fromisoformat(bookings.get(booking_id, phone).day) == today  # the row (and its slot) stays
    finally:
        store.db.dispose()
