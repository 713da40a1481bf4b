"""Mobile and online banking's proof, as the journey knows it: the texted code that confirmed the registered
mobile number, and the initial login password the customer set on the PIN pad (as the pad's encrypted block).

Why the PIN pad: the login password is a credential like the card PIN; it is never typed on the touchscreen,
so the kiosk's software never sees it, only the block the pad encrypted under its working key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

E_BANKING = ("mobile_banking", "online_banking")


@dataclass(frozen=True)
class PhoneCheck:
    """A code texted to the number (`phone_masked` is what the screen shows)."""

    verification_id: str
    phone_masked: str


@dataclass(frozen=True)
class LoginCredential:
    """The login password as the pad encrypted it (ISO-0, bound to the mobile number) and the key it used."""

    block_hex: str = field(repr=False)
    key_id: str


@dataclass
class EBankingProof:
    """What this session has proved for e-banking so far; wiped with the session."""

    check: PhoneCheck | None = None
    confirmed: bool = False
    credential: LoginCredential | None = None
    codes_sent: int = 0
    codes_tried: int = 0

    @property
    def ready(self) -> bool:
        return self.confirmed and self.credential is not None

    def wipe(self) -> None:
        self.check, self.confirmed, self.credential = None, False, None
        self.codes_sent = self.codes_tried = 0


def wanted(services: list[str], activated: dict[str, object]) -> list[str]:
    """The e-banking services still to activate in this session."""
    return [s for s in E_BANKING if s in services and s not in activated]


def is_mainland_mobile(phone: str) -> bool:
    return len(phone) == 11 and phone.isdigit() and phone[0] == "1" and phone[1] in "3456789"


def login_account_field(phone: str) -> str:
    """The digits the pad's ISO-0 block is bound to for a login password: the mobile number, padded to the
    13-digit minimum the pad takes (its 12 rightmost digits before the last are then '0' + the number)."""
    return "00" + phone + "0"
