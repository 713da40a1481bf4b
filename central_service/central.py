"""`Central`: what every route shares (store, change hub, signing keys, core bank, fault book, admin token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from central_api_client import tokens
from central_service.changes import ChangeHub
from central_service.contract import Schemas
from central_service.core_banking import CoreBank
from central_service.enrolment_ca import EnrolmentCA
from central_service.faults import FaultBook
from central_service.sms import SimulatedSmsGateway, SmsGateway
from central_service.store import Store

KEY_FILE = "signing-keys.txt"


def load_signing_keys(key_dir: Path | None) -> list[tokens.SigningKey]:
    """The service's QR signing keys from `key_dir` (made on first use); fresh in-memory keys without one."""
    if key_dir is None:
        return [tokens.SigningKey.generate("sim-1")]
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / KEY_FILE
    if not path.exists():
        key = tokens.SigningKey.generate("sim-1")
        path.write_text(f"{key.key_id} {tokens.private_key_to_text(key.private_key)}\n", encoding="ascii")
        path.chmod(0o600)
    keys = []
    for line in path.read_text(encoding="ascii").splitlines():
        if line.strip():
            key_id, text = line.split()
            keys.append(tokens.SigningKey(key_id, tokens.private_key_from_text(text)))
    return keys


@dataclass
class Central:
    """Everything the routes share."""

    store: Store
    core: CoreBank
    signing_keys: list[tokens.SigningKey]
    admin_token: str
    hub: ChangeHub = field(default_factory=ChangeHub)
    faults: FaultBook = field(default_factory=FaultBook)
    schemas: Schemas = field(default_factory=Schemas.load)
    enrolment_ca: EnrolmentCA | None = None  # signs kiosks' CSRs at enrolment (mTLS)
    require_client_cert: bool = False  # kiosk routes accept a client certificate only, no bearer token
    sms: SmsGateway | None = None  # texts to customers' phones; None: the simulated gateway (messages in the store)

    def __post_init__(self) -> None:
        self.store.db.on_commit(self.hub.changed)
        if self.sms is None:
            self.sms = SimulatedSmsGateway(self.store.db)

    def key_set(self) -> dict[str, Any]:
        return {"keys": [{"kid": k.key_id, "alg": "Ed25519", "public_key": tokens.public_key_to_text(k.public_key)}
                         for k in self.signing_keys]}

    def key_ring(self) -> tokens.KeyRing:
        return tokens.KeyRing({k.key_id: k.public_key for k in self.signing_keys})

    def sign_token(self, appointment_id: str, branch_id: str, *, valid_for: timedelta = timedelta(days=7),
                   issued_at: datetime | None = None) -> str:
        """The QR token of an appointment, signed with the current key."""
        issued = issued_at or self.store.clock()
        return tokens.sign(self.signing_keys[0], appointment_id=appointment_id, branch_id=branch_id,
                           kind=tokens.TokenKind.INDIVIDUAL, issued_at=issued.astimezone(UTC),
                           not_after=(issued + valid_for).astimezone(UTC))
