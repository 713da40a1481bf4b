"""The console's judgement of device lines and stock: severity and the plain-words action, headless."""

from __future__ import annotations

import pytest

from kiosk_app.flow.device_health import judge, worst
from kiosk_app.flow.manager_ops import StockReading


@pytest.mark.parametrize(("ok", "state", "details", "expected"), [
    (True, "online", {"paper": "full", "cover": "closed"}, ("ok", "none")),
    (True, "online", {"stock": "low", "bin": "ok"}, ("warning", "refill_stock")),  # was shown in green
    (False, "online", {"stock": "empty"}, ("fault", "stock_empty")),
    (False, "online", {"paper": "out"}, ("fault", "add_paper")),
    (False, "online", {"tamper": "detected", "paper": "out"}, ("fault", "tamper")),
    (False, "offline", {"error": "not opened"}, ("fault", "check_link")),
    (False, "hardwareError", {"error": "RuntimeError: boom"}, ("fault", "restart")),
    (True, "disabled", {}, ("ok", "none")),
])
def test_device_lines_get_a_severity_and_an_action(ok, state, details, expected) -> None:
    health = judge({"name": "dispenser", "ok": ok, "state": state, "details": details})
    assert (health.severity, health.advice) == expected


def test_worst_of_several() -> None:
    assert worst(["ok", "warning", "ok"]) == "warning" and worst(["fault", "warning"]) == "fault"
    assert worst([]) == "ok"


def reading(stack: int, sensor: str | None, bin_count: int = 0, full: bool = False) -> StockReading:
    return StockReading(stack=stack, bin=bin_count, stack_sensor=sensor, bin_full=full, bin_counter=bin_count,
                        open_cards=(), low_threshold=20, bin_warn_threshold=40)


@pytest.mark.parametrize(("stack", "sensor", "severity"), [
    (100, "ok", "ok"), (21, "ok", "ok"), (20, "ok", "warning"), (50, "low", "warning"), (0, "ok", "fault"),
    (30, "empty", "fault"),
])
def test_stock_thresholds(stack: int, sensor: str, severity: str) -> None:
    assert reading(stack, sensor).data()["stock"]["severity"] == severity


@pytest.mark.parametrize(("count", "full", "severity"), [(0, False, "ok"), (39, False, "ok"), (40, False, "warning"),
                                                          (12, True, "fault")])
def test_bin_thresholds(count: int, full: bool, severity: str) -> None:
    assert reading(100, "ok", count, full).data()["bin"]["severity"] == severity
