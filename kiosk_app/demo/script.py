"""Journey scripts (`assets/journeys/*.toml`): who the customer is, and what they and the staff do.

A script is data a rehearsal lead can write; it is validated as strictly as the kiosk config, so a typo
fails with a line naming the step and key instead of a confusing run.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


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
    appointment: Literal["individual", "payroll", "none"] = "individual"
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


class Idle(_Strict):
    """The customer walks away: the kiosk's clock moves on by `seconds` (ticks delivered as it goes)."""

    do: Literal["idle"]
    seconds: int = Field(gt=0, le=3600)


class Fault(_Strict):
    do: Literal["fault"]
    device: Literal["dispenser"]
    fault: str
    count: int = 1


Step = Annotated[
    Scan | PlaceIdCard | TouchStep | Pin | TakeCard | PhoneSubmit | StaffLogin | StaffDecisionStep | Wait | Expect
    | Idle | Fault,
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
