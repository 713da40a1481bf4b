"""QR tokens verified offline with the provisioned keys; one-time use enforced by the local database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from central_api_client import tokens
from kiosk_app.flow.model import Path, TokenRef
from kiosk_app.flow.ports import PortError
from kiosk_app.store.sessions import Recorder

KINDS = {
    tokens.TokenKind.INDIVIDUAL: Path.APPOINTMENT,
    tokens.TokenKind.WALK_IN_FORM: Path.WALK_IN,
    tokens.TokenKind.PAYROLL_BATCH: Path.PAYROLL,
}


class TokenAdapter:
    """`verify` spends the token in `used_tokens` in the same call; a replay anywhere on this kiosk fails."""

    def __init__(self, recorder: Recorder, keys: tokens.KeyRing, branch_id: str, *, skew_s: int = 120,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.recorder, self.keys, self.branch_id = recorder, keys, branch_id
        self.skew = timedelta(seconds=skew_s)
        self.now = now

    def _consume(self, token: tokens.AppointmentToken) -> bool:
        """One-time use, except a payroll batch QR: every employee of the batch scans the same poster, and
        the one-time use is then each employee's pickup appointment (redeemed once)."""
        if token.kind is tokens.TokenKind.PAYROLL_BATCH:
            return True
        return self.recorder.consume_token(token.token_id, token.appointment_id, self.now().isoformat())

    def verify(self, text: str) -> TokenRef:
        text = token_text(text)
        try:
            token = tokens.verify(text, self.keys, branch_id=self.branch_id, now=self.now(),
                                  consume=self._consume, skew=self.skew)
        except tokens.TokenError as exc:
            raise PortError(exc.code, str(exc)) from exc
        return TokenRef(token.token_id, token.appointment_id, token.branch_id, KINDS[token.kind], text)


def token_text(scanned: str) -> str:
    """The token inside a scanned text: a poster's QR is a link (so a phone opens the employee form) that ends
    in the token, e.g. ``HTTPS://BANK.EXAMPLE/P/BKQ:...``; anything else is passed on as it is."""
    at = scanned.rfind(tokens.SCHEME)
    return scanned[at:] if at > 0 else scanned
