"""The staff directory, sign-in (password + TOTP + lock-out) and the append-only audit log, on both stores."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from central_api_client.staff_pins import pin_matches
from central_service import schema as t
from central_service.auth import SignIn, SignInLocked, SignInRefused, totp
from central_service.auth.lockout import Lockout
from central_service.auth.passwords import PasswordTooWeak, hash_password, needs_rehash, verify_password
from central_service.auth.principal import Principal, current_principal, sign_in_session, sign_out_session
from central_service.db import Database
from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory, StaffError
from central_service.staff.roles import Permission, Role, UnknownRole, may, parse_roles

PASSWORD = "correct horse battery"


def _teller(directory: StaffDirectory, staff_id: str = "T101", branch: str = "BJ001") -> str:
    return directory.add(staff_id, branch, "柜员甲", frozenset({Role.TELLER}), PASSWORD)


def test_password_hash_round_trip_and_refusals() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "x", stored)
    assert not verify_password(PASSWORD, "scrypt$zz$8$1$00$00") and not verify_password(PASSWORD, "md5$x")
    assert not needs_rehash(stored) and needs_rehash(hash_password(PASSWORD, n=2**14))
    with pytest.raises(PasswordTooWeak):
        hash_password("short")


def test_sign_in_needs_password_and_current_code(directory: StaffDirectory, db: Database) -> None:
    secret = _teller(directory)
    sign_in = SignIn(directory, Lockout(db))
    principal = sign_in.authenticate("T101", PASSWORD, totp.code_now(secret))
    assert principal == Principal("staff", "T101", "BJ001", frozenset({"teller"}), "柜员甲")
    with pytest.raises(SignInRefused):
        sign_in.authenticate("T101", PASSWORD, "000000" if totp.code_now(secret) != "000000" else "111111")
    with pytest.raises(SignInRefused):
        sign_in.authenticate("T101", "wrong password!", totp.code_now(secret))
    with pytest.raises(SignInRefused):
        sign_in.authenticate("T999", PASSWORD, totp.code_now(secret))
    with pytest.raises(SignInRefused):  # the code that signed in once cannot sign in again
        sign_in.authenticate("T101", PASSWORD, totp.code_now(secret))


def test_lock_out_after_repeated_failures_even_with_the_right_password(directory: StaffDirectory,
                                                                        db: Database) -> None:
    secret = _teller(directory)
    now = [1_000_000.0]
    sign_in = SignIn(directory, Lockout(db, max_failures=3, lock_s=600, clock=lambda: now[0]))
    for _ in range(2):
        with pytest.raises(SignInRefused) as refused:
            sign_in.authenticate("T101", "not the password", "123456")
        assert not isinstance(refused.value, SignInLocked)
    with pytest.raises(SignInLocked):
        sign_in.authenticate("T101", "not the password", "123456")
    with pytest.raises(SignInLocked):
        sign_in.authenticate("T101", PASSWORD, totp.code_now(secret))
    now[0] += 601
    assert sign_in.authenticate("T101", PASSWORD, totp.code_now(secret)).id == "T101"


def test_a_code_from_one_step_either_side_signs_in_but_only_once(directory: StaffDirectory, db: Database) -> None:
    secret = _teller(directory)
    earlier = totp.code_now(secret, time.time() - 30)
    assert totp.code_valid(secret, earlier) and not totp.code_valid(secret, totp.code_now(secret, time.time() - 90))
    sign_in = SignIn(directory, Lockout(db))
    assert sign_in.authenticate("T101", PASSWORD, earlier).id == "T101"
    with pytest.raises(SignInRefused):
        sign_in.authenticate("T101", PASSWORD, earlier)


def test_revoked_staff_cannot_sign_in_and_their_pin_leaves_the_kiosk_list(directory: StaffDirectory,
                                                                          db: Database) -> None:
    secret = directory.add("M101", "BJ001", "经理", frozenset({Role.LOBBY_MANAGER}), PASSWORD, pin="246810")
    _teller(directory)
    version, creds = directory.kiosk_credentials("BJ001")
    assert [c.staff_id for c in creds] == ["M101"] and pin_matches("246810", creds[0].pin_hash or "")
    directory.revoke("M101")
    newer, creds = directory.kiosk_credentials("BJ001")
    assert newer > version and creds[0].revoked and creds[0].pin_hash is None
    with pytest.raises(SignInRefused):
        SignIn(directory, Lockout(db)).authenticate("M101", PASSWORD, totp.code_now(secret))
    assert directory.kiosk_credentials("SH002") == (0, [])


def test_directory_refuses_bad_changes(directory: StaffDirectory) -> None:
    _teller(directory)
    with pytest.raises(StaffError):
        _teller(directory)
    with pytest.raises(StaffError):
        directory.add("x1", "BJ001", "n", frozenset({Role.TELLER}), PASSWORD)
    with pytest.raises(StaffError):
        directory.add("T102", "BJ001", "n", frozenset({Role.TELLER}), PASSWORD, pin="246810")
    with pytest.raises(StaffError):
        directory.set_pin("T101", "246810")
    with pytest.raises(UnknownRole):
        parse_roles("teller,janitor")
    assert parse_roles("teller, lobby_manager") == {Role.TELLER, Role.LOBBY_MANAGER}


def test_only_tellers_see_full_numbers() -> None:
    assert may(frozenset({"teller"}), Permission.SEE_FULL_NUMBERS)
    for role in ("lobby_manager", "branch_it", "payroll_officer", "nonsense"):
        assert not may(frozenset({role}), Permission.SEE_FULL_NUMBERS)


def test_principal_in_the_session() -> None:
    session: dict = {}
    principal = Principal("agent", "A1", "BJ001", frozenset({"agent"}))
    sign_in_session(session, principal)
    assert current_principal(session) == principal and current_principal(session, "staff") is None
    assert session["principal"]["roles"] == "agent"  # text values, as the foundation's req.sign_in writes them
    session["principal"] = {"kind": "staff", "id": "T1", "branch_id": "BJ001", "roles": "teller,payroll_officer"}
    assert current_principal(session).roles == {"teller", "payroll_officer"}
    session["principal"] = {"kind": "staff", "id": "", "branch_id": "BJ001", "roles": []}
    assert current_principal(session) is None
    sign_out_session(session)
    assert current_principal(session) is None


def test_audit_log_is_append_only(db: Database) -> None:
    audit = AuditLog(db)
    teller = Principal("staff", "T101", "BJ001", frozenset({"teller"}))
    audit.append(teller, "view_full", customer_ref="apt_1", detail={"fields": ["id_number"]})
    audit.append(teller, "handoff_served", customer_ref="apt_2")
    entries = audit.entries("BJ001")
    assert [(e.action, e.customer_ref, e.actor_id) for e in entries] == [
        ("handoff_served", "apt_2", "T101"), ("view_full", "apt_1", "T101")]
    assert not hasattr(audit, "update") and not hasattr(audit, "delete")
    for statement in (update(t.audit_log).values(action="nothing"), delete(t.audit_log),
                      text("UPDATE audit_log SET customer_ref = NULL")):
        with pytest.raises(DBAPIError, match="append-only"), db.tx() as conn:
            conn.execute(statement)
    assert len(audit.entries("BJ001")) == 2 and audit.entries("SH002") == []


def test_staff_cli_add_list_revoke(tmp_path) -> None:
    from central_service.cli import cli

    database = f"sqlite:///{tmp_path}/central.db"
    runner = CliRunner()
    added = runner.invoke(cli, ["--database", database, "staff", "add", "M101", "--branch", "BJ001", "--name",
                                "经理", "--roles", "lobby_manager", "--password", PASSWORD, "--pin", "135790"])
    assert added.exit_code == 0, added.output
    assert "otpauth://totp/" in added.output
    bad = runner.invoke(cli, ["--database", database, "staff", "add", "T1", "--branch", "BJ001", "--name", "x",
                              "--roles", "cashier", "--password", PASSWORD])
    assert bad.exit_code != 0 and "roles must be among" in bad.output
    seeded = runner.invoke(cli, ["--database", database, "staff", "seed", "--branch", "SH002"])
    assert seeded.exit_code == 0 and "4 demo staff added" in seeded.output
    revoked = runner.invoke(cli, ["--database", database, "staff", "revoke", "M101"])
    assert revoked.exit_code == 0, revoked.output
    listed = runner.invoke(cli, ["--database", database, "staff", "list", "--branch", "BJ001"])
    assert listed.output.split("\n")[0].split("\t") == ["M101", "BJ001", "lobby_manager", "-", "revoked"]
    db = Database(database)
    try:
        assert [(e.actor_kind, e.action) for e in AuditLog(db).entries("BJ001")] == [
            ("cli", "staff_revoke"), ("cli", "staff_add")]
    finally:
        db.dispose()
