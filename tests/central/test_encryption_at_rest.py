"""Encryption at rest of the central store: personal fields sealed under envelope keys, `central keys rotate`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from central_service import schema as t
from central_service.admin import CentralAdmin
from central_service.app import build_central
from central_service.central import Central
from central_service.cli import cli
from central_service.crypto import FieldCipher, FieldDecryptError, MasterKeyMissing, MasterKeys, key_of
from central_service.evidence.store import EvidenceStore
from central_service.settings import Settings

ID_NUMBER = "11010519491231002X"


def _settings(tmp_path: Path) -> Settings:
    return Settings(database=f"sqlite:///{tmp_path / 'c.sqlite'}", key_dir=str(tmp_path / "keys"))


def _raw(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "c.sqlite") as conn:
        return conn.execute(sql).fetchall()


def test_personal_fields_are_sealed_and_bound_to_their_row(tmp_path: Path) -> None:
    central = build_central(_settings(tmp_path))
    try:
        doc = CentralAdmin(central).create_appointment("BJ001", rng_seed=3)
        name = doc["customer"]["name"]
        central.core.set_person(ID_NUMBER, blocklisted=True)
        assert central.core.person(ID_NUMBER)["blocklisted"]  # looked up by its blind index
        stored = dict(_raw(tmp_path, "SELECT id, doc FROM appointments"))
        assert key_of(stored[doc["id"]]) and name not in stored[doc["id"]]
        assert _raw(tmp_path, "SELECT id_number FROM core_people") == [(central.store.fields.index_of(ID_NUMBER),)]
        assert central.store.get_appointment(doc["id"]) == doc
        fields = central.store.fields
        with pytest.raises(FieldDecryptError):  # a sealed value moved to another row does not open
            fields.decrypt_field(stored[doc["id"]], "appointments.doc:apt_other")
        with pytest.raises(FieldDecryptError):
            fields.decrypt_field(stored[doc["id"]][:-6] + "AAAA==", f"appointments.doc:{doc['id']}")
    finally:
        central.store.db.dispose()
    dump = (tmp_path / "c.sqlite").read_bytes() + (tmp_path / "c.sqlite-wal").read_bytes()
    assert name.encode() not in dump and ID_NUMBER.encode() not in dump


def test_rotate_rewraps_old_data_still_reads_and_new_writes_use_the_new_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    central = build_central(settings)
    old = CentralAdmin(central).create_appointment("BJ001", rng_seed=1)
    first_key = key_of(_raw(tmp_path, "SELECT doc FROM appointments")[0][0])
    old_masters = sorted(p.name for p in (tmp_path / "keys" / "master").iterdir())
    central.store.db.dispose()

    result = CliRunner().invoke(cli, ["--database", settings.database, "--key-dir", settings.key_dir, "keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "data key(s) re-wrapped" in result.output

    masters = sorted(p.name for p in (tmp_path / "keys" / "master").iterdir())
    assert len(masters) == 1 and masters != old_masters  # the old master is gone: nothing is wrapped under it
    wrapped_under = {row[0] for row in _raw(tmp_path, "SELECT master_key_id FROM data_keys")}
    assert wrapped_under == {masters[0].removesuffix(".key")}

    restarted = build_central(settings)  # a node started after the rotation: only the new master key
    try:
        assert restarted.store.get_appointment(old["id"]) == old
        new = CentralAdmin(restarted).create_appointment("BJ001", rng_seed=2)
        keys = {row[0]: key_of(row[1]) for row in _raw(tmp_path, "SELECT id, doc FROM appointments")}
        assert keys[old["id"]] == first_key and keys[new["id"]] != first_key
        assert keys[new["id"]] == restarted.store.fields.data_key_ids()[-1]
    finally:
        restarted.store.db.dispose()


def test_a_missing_master_key_is_a_clear_error(tmp_path: Path) -> None:
    central = build_central(_settings(tmp_path))
    doc = CentralAdmin(central).create_appointment("BJ001", rng_seed=1)
    central.store.db.dispose()
    for path in (tmp_path / "keys" / "master").iterdir():
        path.unlink()
    stranger = FieldCipher(central.store.db, MasterKeys.in_memory())
    with central.store.db.read() as conn:
        stored = conn.execute(select(t.appointments.c.doc)).scalar_one()
    with pytest.raises(MasterKeyMissing):
        stranger.decrypt_field(stored, f"appointments.doc:{doc['id']}")
    central.store.db.dispose()


def test_rotate_refuses_in_memory_keys() -> None:
    result = CliRunner().invoke(cli, ["--database", "sqlite:///:memory:", "--key-dir", "", "keys", "rotate"])
    assert result.exit_code == 2 and "nothing to rotate" in result.output


def test_events_walk_ins_and_answers_are_sealed(tmp_path: Path) -> None:
    from central_service.store import Kiosk

    central = build_central(_settings(tmp_path))
    try:
        store = central.store
        kiosk = Kiosk("k1", "BJ001")
        store.add_walk_in("wi_1", kiosk, "h", 0.0, json.dumps({"id_number": ID_NUMBER}))
        store.add_event(kiosk, "key-1", "fp", {"stream": "s", "kind": "k", "occurred_at": "t"},
                        json.dumps({"phone": "13812345678"}))
        store.store_answer("BJ001", "key-2", "fp", 200, json.dumps({"id_number": ID_NUMBER}))
        assert json.loads(store.walk_in("wi_1").document)["id_number"] == ID_NUMBER
        assert json.loads(store.answer_for("BJ001", "key-2").body)["id_number"] == ID_NUMBER
    finally:
        central.store.db.dispose()
    for sql in ("SELECT document FROM walk_ins", "SELECT payload FROM events", "SELECT body FROM idempotency"):
        assert all(key_of(row[0]) for row in _raw(tmp_path, sql)), sql


def _evidence() -> dict:
    from central_api_client import models as m
    from tests.central import samples

    customer = m.Customer(name="王小明", id_type="resident_id", id_number=ID_NUMBER, date_of_birth="1949-12-31",
                          phone="13812345678")
    return samples.evidence(customer).to_json()


def _evidence_store(central: Central) -> EvidenceStore:
    return EvidenceStore(central.store.db, now=central.store.now)


def test_evidence_of_an_opening_is_sealed_and_reads_back(tmp_path: Path) -> None:
    central = build_central(_settings(tmp_path))
    try:
        evidence = _evidence()
        store = _evidence_store(central)
        store.record("acc_1", "BJ001", "k1", "ks1", evidence)
        back = store.read("acc_1")
        assert back["confirmed_data"]["id_number"] == ID_NUMBER
        assert back["signature"]["png"] == evidence["signature"]["png"]
    finally:
        central.store.db.dispose()
    (row,) = _raw(tmp_path, "SELECT confirmed_data, edited_fields, signature_png, signature_strokes "
                            "FROM account_evidence")
    assert all(key_of(v if isinstance(v, str) else v.decode()) for v in row)


def _payroll_entry(central: Central) -> str:
    """One employee's entry in a new batch; its id."""
    import random
    from datetime import timedelta

    from central_service.ids import make_uscc
    from central_service.payroll.agreement import company_agreement
    from central_service.payroll.people import Employee
    from central_service.payroll.store import PayrollStore

    payroll = PayrollStore(central.store.db)
    company = payroll.register_company("厦门示例科技有限公司", make_uscc("350203", random.Random(1)),
                                       "3502031234567890", "BJ001", by="test")
    payroll.accept_agreement(company.id, company_agreement(), by="test")
    agent = payroll.add_agent(company.id, "经办", "test.agent", "correct horse battery")[0]
    batch = payroll.create_batch(agent, "b", "payroll_debit", payroll.today() + timedelta(days=7), 1)
    return payroll.add_entry(batch.id, Employee("王小明", ID_NUMBER, None, "13812345678")).id


def test_payroll_entries_are_sealed_and_found_by_a_keyed_index(tmp_path: Path) -> None:
    from central_service.payroll.store import PayrollStore

    central = build_central(_settings(tmp_path))
    try:
        payroll = PayrollStore(central.store.db)
        entry_id = _payroll_entry(central)
        batch_id = payroll.entry(entry_id).batch_id
        assert payroll.employee(entry_id).id_number == ID_NUMBER
        assert payroll.find_entry(batch_id, ID_NUMBER.lower()).id == entry_id
    finally:
        central.store.db.dispose()
    ((doc, key),) = _raw(tmp_path, "SELECT doc, id_hash FROM payroll_entries")
    assert key_of(doc) and ID_NUMBER not in doc and len(key) == 32


def test_reseal_moves_everything_to_the_new_key_and_seals_old_plaintext(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    central = build_central(settings)
    try:
        admin = CentralAdmin(central)
        old = admin.create_appointment("BJ001", rng_seed=1)
        legacy = admin.create_appointment("BJ001", rng_seed=2)
        with central.store.db.tx() as conn:  # as a release before encryption left it
            conn.execute(t.appointments.update().where(t.appointments.c.id == legacy["id"])
                         .values(doc=json.dumps(legacy, ensure_ascii=False)))
        central.store.store_answer("BJ001", "k-1", "fp", 200, '{"a":1}')
        from central_service.store import Kiosk

        central.store.add_walk_in("wi_1", Kiosk("k1", "BJ001"), "h", 0.0, '{"n":1}')
        _evidence_store(central).record("acc_1", "BJ001", "k1", "ks1", _evidence())
        entry_id = _payroll_entry(central)
        from central_service.sms import SimulatedSmsGateway
        from central_service.web.sessions import WebSessions

        SimulatedSmsGateway(central.store.db).send("13812345678", "您好")
        sessions = WebSessions(central.store.db)
        session = sessions.new()
        session.set("lang", "en")
        sessions.save(session)
        rotated = central.store.fields.rotate()
    finally:
        central.store.db.dispose()
    result = CliRunner().invoke(cli, ["--database", settings.database, "--key-dir", settings.key_dir, "keys", "reseal"])
    assert result.exit_code == 0, result.output
    assert "appointments.doc: 2 value(s) resealed" in result.output
    assert "idempotency.body: 1 value(s) resealed" in result.output
    assert {key_of(row[0]) for row in _raw(tmp_path, "SELECT doc FROM appointments")} == {rotated.data_key_id}
    again = build_central(settings)
    try:
        assert again.store.get_appointment(old["id"]) == old
        assert again.store.get_appointment(legacy["id"]) == legacy
        assert again.store.answer_for("BJ001", "k-1").body == '{"a":1}'
        assert again.store.walk_in("wi_1").document == '{"n":1}'
        assert _evidence_store(again).read("acc_1")["signature"]["png"] == _evidence()["signature"]["png"]
        from central_service.payroll.store import PayrollStore

        assert PayrollStore(again.store.db).employee(entry_id).id_number == ID_NUMBER
        assert SimulatedSmsGateway(again.store.db).last("13812345678").body == "您好"
        assert WebSessions(again.store.db).load(session.session_id).data == {"lang": "en"}
    finally:
        again.store.db.dispose()
    for table, column in (("walk_ins", "document"), ("account_evidence", "signature_png"),
                          ("account_evidence", "confirmed_data"), ("payroll_entries", "doc"), ("sms_messages", "body"),
                          ("web_sessions", "data")):
        values = [v if isinstance(v, str) else v.decode() for (v,) in _raw(tmp_path, f"SELECT {column} FROM {table}")]
        assert {key_of(v) for v in values} == {rotated.data_key_id}, (table, column)


def test_phone_pages_data_is_sealed_or_indexed(tmp_path: Path) -> None:
    """The phone area's rows: the SMS inbox, sign-in codes, sessions and booking drafts hold no number in clear."""
    from datetime import date

    from central_service.phone.bookings import Bookings
    from central_service.phone.sign_in import SignInCodes
    from central_service.sms import SimulatedSmsGateway
    from central_service.web.sessions import WebSessions
    from tools.pii_scan import scan

    phone = "13812345678"
    central = build_central(_settings(tmp_path))
    try:
        sms = SimulatedSmsGateway(central.store.db)
        codes = SignInCodes(central.store.db, sms, b"k" * 32)
        codes.send_code(phone)
        code = sms.last(phone).body.split("验证码为")[1][:6]
        codes.check_code(phone, code)  # found again by its blind index
        sessions = WebSessions(central.store.db)
        session = sessions.new()
        session.set("principal", {"kind": "phone", "id": phone})
        sessions.save(session)
        assert sessions.load(session.session_id).principal == {"kind": "phone", "id": phone}
        bookings = Bookings(central.store)
        booking_id = bookings.start(phone, "BJ001", date(2026, 3, 2), "09:00", 4)
        booking = bookings.get(booking_id, phone)
        bookings.save_part(booking, "customer", {"name": "王小明", "id_number": ID_NUMBER}, id_number=ID_NUMBER)
        assert bookings.mine(phone)[0].draft["customer"]["id_number"] == ID_NUMBER
        assert bookings.get(booking_id, "13900000000") is None
    finally:
        central.store.db.dispose()
    assert scan([str(tmp_path / "c.sqlite")]) == []
    for sql in ("SELECT body FROM sms_messages", "SELECT data FROM web_sessions", "SELECT draft FROM phone_bookings"):
        assert all(key_of(v) for (v,) in _raw(tmp_path, sql)), sql


def test_a_node_without_the_fleets_master_keys_refuses_to_start(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    first = build_central(Settings(database=database, key_dir=str(tmp_path / "node-a")))
    CentralAdmin(first).create_appointment("BJ001", rng_seed=1)
    first.store.db.dispose()
    with pytest.raises(MasterKeyMissing, match="copy the fleet's key_dir/master here"):
        build_central(Settings(database=database, key_dir=str(tmp_path / "node-b")))


def test_first_use_from_many_threads_makes_one_index_key(tmp_path: Path, database_url: str) -> None:
    """Two index keys would index one ID number twice (and let a duplicate through a unique index)."""
    import threading

    from central_service.db import Database
    from central_service.migrations import upgrade

    db = Database(database_url)
    upgrade(db.engine)
    masters = MasterKeys.in_memory()
    ciphers = [FieldCipher(db, masters) for _ in range(16)]  # as if six processes started at once
    start, found = threading.Barrier(len(ciphers)), []

    def first_use(cipher: FieldCipher) -> None:
        start.wait()
        found.append(cipher.index_of(ID_NUMBER))

    threads = [threading.Thread(target=first_use, args=(c,)) for c in ciphers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert len(found) == len(ciphers) and len(set(found)) == 1
    finally:
        db.dispose()


def test_reseal_on_both_stores_reads_back_text_and_images(tmp_path: Path, database_url: str) -> None:
    from central_service.crypto.reseal import reseal

    central = build_central(Settings(database=database_url, key_dir=str(tmp_path / "keys")))
    try:
        doc = CentralAdmin(central).create_appointment("BJ001", rng_seed=4)
        _evidence_store(central).record("acc_9", "BJ001", "k1", "ks9", _evidence())
        central.store.fields.rotate()
        done = reseal(central.store.fields)
        assert done["appointments.doc"] == 1 and done["account_evidence.signature_png"] == 1
        assert reseal(central.store.fields)["appointments.doc"] == 0  # already under the current key
        assert central.store.get_appointment(doc["id"]) == doc
        assert _evidence_store(central).read("acc_9")["signature"]["png"] == _evidence()["signature"]["png"]
    finally:
        central.store.db.dispose()
