"""The initial e-banking login password, set on the PIN pad: entered twice (the pad refuses weak ones and
mismatches, as for the card PIN), then read once as the pad's encrypted ISO-0 block bound to the mobile number.

The kiosk never sees a digit: the screens show counts only (`issuer.PinKeyCounter` with the "login" prefix).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from drivers.errors import DeviceError
from drivers.pinpad import PinPad
from kiosk_app.flow.adapters.issuer import choose_on_pad
from kiosk_app.flow.ebanking import LoginCredential, login_account_field
from kiosk_app.flow.ports import PortError

log = logging.getLogger(__name__)


class PadCredential:
    """`CredentialPort` over the PIN pad that also takes the card PIN (same working key)."""

    def __init__(self, pinpad: PinPad, *, key_slot: int, key_id: str, timeout_s: int = 30,
                 attempts: int = 3) -> None:
        self.pinpad, self.key_slot, self.key_id = pinpad, key_slot, key_id
        self.timeout_s, self.attempts = timeout_s, attempts

    def set_login_credential(self, phone: str, birth_date_hint: str,
                             on_progress: Callable[..., None]) -> LoginCredential | None:
        """The password's block, or None if the customer cancelled, timed out or kept choosing weak ones.

        Raises PortError('device_error', needs_staff) if the pad stops talking.
        """
        try:
            if not choose_on_pad(self.pinpad, birth_date=birth_date_hint, timeout_s=self.timeout_s,
                                 attempts=self.attempts, on_progress=on_progress, prefix="login"):
                return None
            block = self.pinpad.read_pin_block(login_account_field(phone), self.key_slot)
        except DeviceError as exc:
            log.warning("PIN pad failed during the login password (%s)", type(exc).__name__)
            raise PortError("device_error", type(exc).__name__, needs_staff=True) from None
        if not block.ok:
            return None
        return LoginCredential(block.value.block.hex().upper(), self.key_id)
