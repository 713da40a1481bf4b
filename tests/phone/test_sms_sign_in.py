"""The simulated SMS gateway and the sign-in code limits, on a real SQLite store migrated to head."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from central_service.db import Database
from central_service.migrations import upgrade
from central_service.phone.sign_in import CODE_TTL_S, LOCK_S, RESEND_AFTER_S, SignInCodes, SignInError, SignInRefusal
from central_service.sms import SimulatedSmsGateway, SmsError

PHONE = "13800138000"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'c.sqlite'}")
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sms(db: Database, clock: Clock) -> SimulatedSmsGateway:
    return SimulatedSmsGateway(db, clock=clock)


@pytest.fixture
def codes(db: Database, sms: SimulatedSmsGateway, clock: Clock) -> SignInCodes:
    return SignInCodes(db, sms, b"k" * 32, clock=clock)


def code_in(sms: SimulatedSmsGateway, phone: str = PHONE) -> str:
    last = sms.last(phone)
    assert last is not None
    return re.search(r"\d{6}", last.body).group(0)  # type: ignore[union-attr]


def refusal(call, *args) -> SignInRefusal:  # type: ignore[no-untyped-def]
    with pytest.raises(SignInError) as caught:
        call(*args)
    return caught.value.reason


def test_gateway_keeps_messages_newest_first_and_echoes(db: Database) -> None:
    shown: list[str] = []
    gateway = SimulatedSmsGateway(db, echo=shown.append)
    gateway.send(PHONE, "one")
    gateway.send(PHONE, "two")
    gateway.send("13900139000", "other")
    assert [m.body for m in gateway.messages(PHONE)] == ["two", "one"]
    assert shown[-1] == "[simulated SMS to 13900139000] other"


@pytest.mark.parametrize(("phone", "body"), [("1380013800", "x"), ("23800138000", "x"), ("1380013800a", "x"),
                                             (PHONE, ""), (PHONE, "x" * 481)])
def test_gateway_refuses_bad_numbers_and_texts(sms: SimulatedSmsGateway, phone: str, body: str) -> None:
    with pytest.raises(SmsError):
        sms.send(phone, body)
    assert sms.messages(phone) == []


def test_code_is_accepted_once(codes: SignInCodes, sms: SimulatedSmsGateway) -> None:
    codes.send_code(PHONE)
    code = code_in(sms)
    assert "5分钟" in sms.last(PHONE).body  # type: ignore[union-attr]
    codes.check_code(PHONE, code)
    assert refusal(codes.check_code, PHONE, code) is SignInRefusal.NO_CODE


def test_one_code_per_minute(codes: SignInCodes, sms: SimulatedSmsGateway, clock: Clock) -> None:
    codes.send_code(PHONE)
    clock.now += RESEND_AFTER_S - 1
    with pytest.raises(SignInError) as caught:
        codes.send_code(PHONE)
    assert caught.value.reason is SignInRefusal.TOO_SOON and caught.value.wait_s >= 1
    assert len(sms.messages(PHONE)) == 1
    clock.now += 1
    codes.send_code(PHONE)
    assert len(sms.messages(PHONE)) == 2


def test_code_expires_after_five_minutes(codes: SignInCodes, sms: SimulatedSmsGateway, clock: Clock) -> None:
    codes.send_code(PHONE)
    clock.now += CODE_TTL_S
    assert refusal(codes.check_code, PHONE, code_in(sms)) is SignInRefusal.EXPIRED


def test_five_wrong_codes_lock_the_number_for_fifteen_minutes(codes: SignInCodes, sms: SimulatedSmsGateway,
                                                              clock: Clock) -> None:
    codes.send_code(PHONE)
    good = code_in(sms)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert refusal(codes.check_code, PHONE, wrong) is SignInRefusal.WRONG
    assert refusal(codes.check_code, PHONE, wrong) is SignInRefusal.LOCKED
    assert refusal(codes.check_code, PHONE, good) is SignInRefusal.LOCKED  # the right code no longer helps
    clock.now += RESEND_AFTER_S
    assert refusal(codes.send_code, PHONE) is SignInRefusal.LOCKED  # nor does a new one
    clock.now += LOCK_S
    codes.send_code(PHONE)
    codes.check_code(PHONE, code_in(sms))


def test_a_right_code_resets_the_wrong_count(codes: SignInCodes, sms: SimulatedSmsGateway, clock: Clock) -> None:
    codes.send_code(PHONE)
    for _ in range(4):
        refusal(codes.check_code, PHONE, "000000" if code_in(sms) != "000000" else "111111")
    codes.check_code(PHONE, code_in(sms))
    clock.now += RESEND_AFTER_S
    codes.send_code(PHONE)
    assert refusal(codes.check_code, PHONE, "x") is SignInRefusal.WRONG


def test_bad_number_sends_nothing(codes: SignInCodes, sms: SimulatedSmsGateway) -> None:
    assert refusal(codes.send_code, "12345") is SignInRefusal.BAD_NUMBER
    assert sms.messages("12345") == []


def test_central_sms_reads_the_simulated_gateway(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from central_service.app import build_central
    from central_service.cli import cli
    from central_service.testing import sqlite_settings

    settings = sqlite_settings(tmp_path)  # the texts are sealed under this service's keys: the CLI uses the same
    central = build_central(settings)
    central.sms.send(PHONE, "【示例银行】您的登录验证码为123456")  # type: ignore[union-attr]
    central.store.db.dispose()
    result = CliRunner().invoke(cli, ["--database", settings.database, "--key-dir", settings.key_dir, "sms", PHONE])
    assert result.exit_code == 0 and "123456" in result.output


def test_print_sms_echoes_in_dev_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from central_service.app import build_central
    from central_service.testing import sqlite_settings

    central = build_central(sqlite_settings(tmp_path, print_sms=True))
    central.sms.send(PHONE, "hello")  # type: ignore[union-attr]
    assert capsys.readouterr().out == f"[simulated SMS to {PHONE}] hello\n"
    quiet = build_central(sqlite_settings(tmp_path, "quiet.sqlite"))
    quiet.sms.send(PHONE, "hello")  # type: ignore[union-attr]
    assert capsys.readouterr().out == ""
    central.store.db.dispose()
    quiet.store.db.dispose()
