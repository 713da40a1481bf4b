"""The journey script's `fault` step: every device's faults, and the combinations it refuses before a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.demo.script import Fault, ScriptError, central_routes, load_script


def fault(**fields: object) -> Fault:
    return Fault.model_validate({"do": "fault", **fields})


@pytest.mark.parametrize("fields", [
    {"device": "dispenser", "fault": "jam_stuck", "count": 2},
    {"device": "central", "fault": "error", "route": "verifyIdentity", "count": 5, "status": 502},
    {"device": "central", "fault": "throttle", "route": "activateMobileBanking", "retry_after": 1},
    {"device": "central", "fault": "latency", "route": "*", "latency_s": 0.5},
    {"device": "pinpad", "fault": "cancel"},
    {"device": "pinpad", "fault": "timeout"},
    {"device": "pinpad", "fault": "tamper"},
    {"device": "printer", "fault": "paper_out"},
    {"device": "printer", "fault": "cover_open"},
    {"device": "idcard", "fault": "read_failure"},
])
def test_valid_faults(fields: dict[str, object]) -> None:
    assert fault(**fields).device == fields["device"]


@pytest.mark.parametrize(("fields", "says"), [
    ({"device": "central", "fault": "error"}, "needs a route"),
    ({"device": "central", "fault": "error", "route": "verifyidentity"}, "not an operationId"),
    ({"device": "central", "fault": "explode", "route": "verifyIdentity"}, "central fault must be one of"),
    ({"device": "central", "fault": "error", "route": "verifyIdentity", "status": 429}, "greater than or equal"),
    ({"device": "pinpad", "fault": "cancel", "route": "setPin"}, "only apply to"),
    ({"device": "pinpad", "fault": "unplug"}, "pinpad fault must be one of"),
    ({"device": "printer", "fault": "paper_out", "count": 2}, "count must be 1"),
    ({"device": "printer", "fault": "paper_out", "retry_after": 1}, "only apply to"),
    ({"device": "idcard", "fault": "checksum"}, "idcard fault must be one of"),
    ({"device": "dispenser", "fault": "no_such_fault"}, "unknown fault"),
    ({"device": "camera", "fault": "dark"}, "Input should be"),
])
def test_refused_combinations(fields: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        fault(**fields)


def test_central_params_map_to_arm_fault() -> None:
    step = fault(device="central", fault="throttle", route="activateMobileBanking", count=2, retry_after=1)
    assert step.central_params() == {"times": 2, "retry_after": 1}
    assert {"verifyIdentity", "activateMobileBanking", "*"} <= central_routes()


def test_script_error_names_the_step(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\noutcome = "completed"\n'
                    'steps = [{ do = "fault", device = "pinpad", fault = "cancel", count = 3 }]\n', encoding="utf-8")
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert any(p.startswith("steps.0.fault") for p in caught.value.problems)
