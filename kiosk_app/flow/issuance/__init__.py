"""Card issuance with a crash-safe journal: `IssuanceService.issue(...)` and start-up `recover(...)`.

No Kivy here. The journey calls `issue(session_id, bind=..., set_pin=..., on_progress=...)` and maps the
returned `IssuanceOutcome.status` (an `IssueStatus`, whose value is the customer message key) and
`lobby_message` to screens; `recover()` runs once at start-up before any issuance.
"""

from kiosk_app.flow.issuance.outcomes import (
    BindOutcome,
    BindRequest,
    IssuanceOutcome,
    IssueStatus,
    Location,
    PinRequest,
    Progress,
)
from kiosk_app.flow.issuance.ports import ChipPort, DispenserPort
from kiosk_app.flow.issuance.recovery import RecoveryReport, SettledCard, bind_unknown, recover, staff_settle
from kiosk_app.flow.issuance.service import IssuanceService
from kiosk_app.store.cards import CardBook, UnknownSession

__all__ = [
    "BindOutcome",
    "BindRequest",
    "CardBook",
    "ChipPort",
    "DispenserPort",
    "IssuanceOutcome",
    "IssuanceService",
    "IssueStatus",
    "Location",
    "PinRequest",
    "Progress",
    "RecoveryReport",
    "SettledCard",
    "UnknownSession",
    "bind_unknown",
    "recover",
    "staff_settle",
]
