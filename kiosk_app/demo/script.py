"""Journey scripts (`assets/journeys/*.toml`): who the customer is, and what they and the staff do.

A script is data a rehearsal lead can write; it is validated as strictly as the kiosk config, so a typo
fails with a line naming the step and key instead of a confusing run.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import central_api_client
from drivers.sim.dispenser_emulator import fault_named


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Strict):
    age: int = Field(35, ge=1, le=110)
    card_type: Literal["resident", "hmt", "foreigner_2023"] = "resident"
    card_expired: bool = False
    identity: Literal["match", "no_match", "needs_staff"] = "match"
    blocklisted: bool = False
    holds_class1: bool = False


class Setup(_Strict):
    # payroll_batch / payroll_pickup: an approved payroll entry, scanned with the batch QR or the personal pickup
    # QR; payroll_returned: an entry the teller returned, scanned with the batch QR (kiosk_app/demo/payroll_setup.py)
    appointment: Literal["individual", "payroll", "none", "payroll_batch", "payroll_pickup",
                         "payroll_returned"] = "individual"
    services: list[Literal["mobile_banking", "online_banking", "credit_card", "wechat_binding",
                           "follow_official_account"]] = Field(default_factory=list)
    customer: Customer = Customer()
    cards_in_stock: int = Field(5, ge=0, le=500)
    cards_issued_today: int = Field(0, ge=0, le=10)
    face_capture: bool = False


class Scan(_Strict):
    do: Literal["scan"]
    token: Literal["appointment", "replay", "other_branch", "expired", "garbage"] = "appointment"


class PlaceIdCard(_Strict):
    do: Literal["place_id_card"]
    matching: bool = True


class TouchStep(_Strict):
    do: Literal["touch"]
    action: str
    value: Any = None


class Pin(_Strict):
    do: Literal["pin"]
    keys: list[str]
    # the screen the pad's entry starts with: the card PIN, or the e-banking login password
    prompt: Literal["pin_first", "login_first"] = "pin_first"


class SmsCode(_Strict):
    """The customer reads the code texted to their phone (the simulated gateway) and types it on the keypad."""

    do: Literal["sms_code"]
    wrong: bool = False  # type a code that is not the one sent


class TakeCard(_Strict):
    do: Literal["take_card"]


class PhoneSubmit(_Strict):
    do: Literal["phone_submit"]
    occupation: str = "20000"
    phone: str = "13912345678"
    services: list[str] = Field(default_factory=lambda: ["mobile_banking", "online_banking"])
    risk_answers: dict[str, str] = Field(default_factory=lambda: {"q1": "B", "q2": "C", "q3": "A", "q4": "B",
                                                                   "q5": "C", "q6": "B"})


class StaffLogin(_Strict):
    do: Literal["staff_login"]
    staff_id: str = "M001"
    pin: str = "246810"


class StaffDecisionStep(_Strict):
    do: Literal["staff_decision"]
    approve: bool


class Wait(_Strict):
    do: Literal["wait"]
    screen: str
    timeout_s: float = Field(20.0, gt=0, le=120)


class Expect(_Strict):
    do: Literal["expect"]
    screen: str
    error: str | None = None


class ExpectEvent(_Strict):
    """The kiosk journaled an event of this kind (receipt_not_printed, issuance.retract.done, ...) whose record
    holds `fields`: outcomes staff see, which no screen shows."""

    do: Literal["expect_event"]
    kind: str = Field(min_length=1)
    fields: dict[str, str | int | bool] = Field(default_factory=dict)


class Idle(_Strict):
    """The customer walks away: the kiosk's clock moves on by `seconds` (ticks delivered as it goes)."""

    do: Literal["idle"]
    seconds: int = Field(gt=0, le=3600)


# What each device's `fault` may be. Central kinds are the service's fault mode (central_service.faults).
DEVICE_FAULTS: dict[str, frozenset[str]] = {
    "dispenser": frozenset(),  # any name the dispenser emulator knows (drivers.sim.dispenser_emulator)
    "central": frozenset({"latency", "error", "throttle", "drop", "truncate", "garbage"}),
    "pinpad": frozenset({"cancel", "timeout", "tamper"}),
    "printer": frozenset({"paper_out", "cover_open"}),
    "idcard": frozenset({"read_failure"}),
}
CENTRAL_ONLY = ("route", "status", "retry_after", "latency_s", "after")


@functools.cache
def central_routes() -> frozenset[str]:
    """The operationIds of the bank's contract: a misspelt route would arm a fault that never fires."""
    spec = (Path(central_api_client.__file__).parent / "openapi.yaml").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^\s*operationId:\s*(\w+)", spec, re.MULTILINE)) | {"*"}


class Fault(_Strict):
    """A device or the bank misbehaving. `central` needs a `route` (an operationId of openapi.yaml, or "*");
    `count` is how many requests (central) or answers (dispenser) it spoils; pinpad, printer and idcard
    faults happen once, so their count stays 1."""

    do: Literal["fault"]
    device: Literal["dispenser", "central", "pinpad", "printer", "idcard"]
    fault: str
    count: int = Field(1, ge=1, le=50)
    route: str | None = None
    status: int | None = Field(None, ge=500, le=599)
    retry_after: int | None = Field(None, ge=0, le=30)
    latency_s: float | None = Field(None, ge=0, le=30)
    after: bool | None = None

    @model_validator(mode="after")
    def _combination(self) -> Fault:
        allowed = DEVICE_FAULTS[self.device]
        if self.device == "dispenser":
            fault_named(self.fault)  # ValueError names an unknown one
        elif self.fault not in allowed:
            raise ValueError(f"{self.device} fault must be one of {sorted(allowed)}, not {self.fault!r}")
        extra = [k for k in CENTRAL_ONLY if getattr(self, k) is not None]
        if self.device != "central" and extra:
            raise ValueError(f"{', '.join(extra)} only apply to device = \"central\"")
        if self.device == "central" and not self.route:
            raise ValueError('a central fault needs a route (an operationId, or "*")')
        if self.device == "central" and self.route not in central_routes():
            raise ValueError(f"route {self.route!r} is not an operationId of the bank's contract")
        if self.device in ("pinpad", "printer", "idcard") and self.count != 1:
            raise ValueError(f"a {self.device} fault happens once; count must be 1")
        return self

    def central_params(self) -> dict[str, Any]:
        """The keyword arguments of admin.arm_fault besides route and kind."""
        params = {k: getattr(self, k) for k in CENTRAL_ONLY[1:] if getattr(self, k) is not None}
        return {"times": self.count, **params}


class CancelAppointment(_Strict):
    """The bank cancels the booked appointment (the customer did, in the mini program); the step ends once the
    sync agent has brought the cancellation to the kiosk's local copy."""

    do: Literal["cancel_appointment"]
    timeout_s: float = Field(20.0, gt=0, le=120)


Step = Annotated[
    Scan | PlaceIdCard | TouchStep | Pin | SmsCode | TakeCard | PhoneSubmit | StaffLogin | StaffDecisionStep | Wait
    | Expect | ExpectEvent | Idle | Fault | CancelAppointment,
    Field(discriminator="do"),
]


class Script(_Strict):
    name: str
    description: str = ""
    setup: Setup = Setup()
    steps: list[Step]
    outcome: str = Field(description="the session outcome the script must end with, e.g. completed")


class ScriptError(Exception):
    """A journey script that cannot be run; `problems` has one line per fault."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.problems = problems


def load_script(path: str | Path) -> Script:
    """Read and validate a script. Raises ScriptError naming each bad key."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScriptError(str(path), [str(exc)]) from exc
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ScriptError(str(path), lines) from exc
