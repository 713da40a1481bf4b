"""The receipt printer driver against its emulator over a real pty: bytes, preview, status, PII."""

from __future__ import annotations

import pytest
from printer_support import ID_NUMBER, PAN, TEMPLATE, fields

from drivers.printer import PaperState, ReceiptPrinter, find_unmasked
from drivers.printer.protocol import CHINESE_MODE_ON, INIT, STATUS_PAPER
from drivers.sim.printer_emulator import PrinterEmulator
from drivers.sim.pty_link import PtyLink
from drivers.status import Completion, DeviceState


def print_one(printer: ReceiptPrinter, emulator: PrinterEmulator) -> bytes:
    result = printer.print_receipt(TEMPLATE.render(fields()))
    assert result.ok, result
    assert emulator.wait_for_cuts(1)
    return emulator.received


def job_bytes(stream: bytes) -> bytes:
    """The stream from the job's ESC @ on (status requests before it are the pre-flight check)."""
    return stream[stream.index(INIT):]


def test_job_bytes_code_page_qr_and_cut(printer: ReceiptPrinter, emulator: PrinterEmulator) -> None:
    job = job_bytes(print_one(printer, emulator))
    assert job.startswith(INIT + CHINESE_MODE_ON)  # ESC @, then FS & before any text
    assert "开户回执".encode("gb18030") in job and "客户：".encode("gb18030") in job
    assert b"\x1bt" not in job  # no single-byte code page switch in Chinese mode
    url = b"https://weixin.qq.com/r/example-bank"
    qr = (b"\x1d(k\x04\x001A2\x00" + b"\x1d(k\x03\x001C\x06" + b"\x1d(k\x03\x001E1"
          + b"\x1d(k" + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url + b"\x1d(k\x03\x001Q0")
    assert qr in job  # model 2, module 6, EC level M, store, print
    assert job.endswith(b"\x1bd\x06\x1dV\x00" + STATUS_PAPER)  # feed 6, full cut, then the paper check


def test_text_preview(printer: ReceiptPrinter, emulator: PrinterEmulator) -> None:
    print_one(printer, emulator)
    (receipt,) = emulator.receipts
    lines = receipt.splitlines()
    assert lines[0].strip() == "示例银行" and lines[0].startswith(" " * 10)
    assert "客户：张**" in lines
    assert "卡号：622202*********0123" in lines
    assert "证件号码：110***********123X" in lines
    assert any(line.strip() == "[QR] https://weixin.qq.com/r/example-bank" for line in lines)
    assert not [t for t in emulator.tokens if t.kind == "unknown"]


def test_nothing_unmasked_reaches_the_wire(printer: ReceiptPrinter, emulator: PrinterEmulator) -> None:
    stream = print_one(printer, emulator)
    text = stream.decode("gb18030", "replace")
    assert PAN not in text and ID_NUMBER not in text and "张三丰" not in text
    assert find_unmasked(text) == [] and find_unmasked(emulator.receipts[0]) == []


def test_near_end_prints_and_says_so(printer: ReceiptPrinter, emulator: PrinterEmulator) -> None:
    emulator.set_paper(PaperState.LOW)
    result = printer.print_receipt(TEMPLATE.render(fields()))
    assert result.ok and result.value is PaperState.LOW
    assert printer.status().details["paper"] == "low"


def test_paper_out_refuses_before_sending_a_byte(printer: ReceiptPrinter, emulator: PrinterEmulator) -> None:
    emulator.set_paper(PaperState.OUT)
    result = printer.print_receipt(TEMPLATE.render(fields()))
    assert (result.completion, result.error_code) == (Completion.DEVICE_NOT_READY, "paperOut")
    assert {t.kind for t in emulator.tokens} == {"status"}
    status = printer.status()
    assert status.device is DeviceState.USER_ERROR and status.details["paper"] == "out"


def test_cover_open_refuses(printer: ReceiptPrinter, emulator: PrinterEmulator) -> None:
    emulator.set_cover_open()
    assert printer.print_receipt(TEMPLATE.render(fields())).error_code == "coverOpen"
    assert printer.status().details == {"paper": "full", "cover": "open"}


def test_status_online(printer: ReceiptPrinter) -> None:
    status = printer.status()
    assert status.device is DeviceState.ONLINE and status.details == {"paper": "full", "cover": "closed"}


def test_silent_and_missing_printers() -> None:
    with PtyLink() as link, ReceiptPrinter(link.path, timeout=0.1) as printer:
        assert printer.status().device is DeviceState.OFFLINE
    missing = ReceiptPrinter("/dev/no-such-printer")
    assert missing.status().device is DeviceState.NO_DEVICE


@pytest.mark.parametrize("count", [3])
def test_several_receipts_are_cut_apart(printer: ReceiptPrinter, emulator: PrinterEmulator, count: int) -> None:
    for _ in range(count):
        assert printer.print_receipt(TEMPLATE.render(fields())).ok
    assert emulator.wait_for_cuts(count)
    assert len(set(emulator.receipts)) == 1
