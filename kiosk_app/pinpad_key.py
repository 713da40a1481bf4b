"""The PIN pad's working key on a real kiosk: load the one the bank's key host delivered, and find it at start.

Why here: a serial pad keeps its keys through power cycles (battery-backed, erased by tamper), so the key is
loaded once by branch IT (`kiosk pinpad load-key FILE`) and the app only checks at start that the pad still
holds it in the configured slot. The delivery file carries the working key wrapped (ECB) under the pad's
master key and the key host's key check value; the clear key never reaches the kiosk. Nothing of
`drivers.sim` is imported here: the emulated pad's key ceremony lives in `kiosk_app.devices_sim`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from drivers.pinpad import Algorithm, PinPad, WorkingKey
from drivers.status import DeviceState
from kiosk_app.config.model import PinPadConfig

DELIVERY_FORMAT = "branch-kiosk-working-key/1"


class KeyDeliveryError(ValueError):
    """The key host's delivery file is not a working-key delivery this kiosk can load."""


class KeyLoadError(RuntimeError):
    """The pad did not take the delivered working key (wrong key, wrong slot, KCV mismatch, refused)."""


class KeyNotLoaded(RuntimeError):
    """The pad holds no working key in the configured slot (never loaded, or erased by tamper)."""


@dataclass(frozen=True)
class PinPadKey:
    """The working key the pad holds: where it is and how the central service names it.

    The clear key is never kept; `kcv` is known when this process loaded the key (empty when found at start,
    because a pad reports which slots hold keys, not their check values).
    """

    master_slot: int
    key_slot: int
    algorithm: Algorithm
    key_id: str
    kcv: bytes = b""


class KeyDelivery(BaseModel):
    """One working key from the bank's key host, as JSON: wrapped key and KCV in hex."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["branch-kiosk-working-key/1"]
    key_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    algorithm: Literal["tdes", "sm4"]
    master_slot: int = Field(ge=0, le=255)
    wrapped_key: str = Field(pattern=r"^[0-9A-Fa-f]+$", repr=False)
    kcv: str = Field(pattern=r"^[0-9A-Fa-f]+$")

    @field_validator("wrapped_key", "kcv")
    @classmethod
    def _even_hex(cls, value: str) -> str:
        if len(value) % 2:
            raise ValueError("hex with an odd number of digits")
        return value

    @property
    def algo(self) -> Algorithm:
        return Algorithm[self.algorithm.upper()]

    def working_key(self, key_slot: int) -> WorkingKey:
        """The driver's load request for `key_slot`. Raises KeyDeliveryError if lengths do not fit the algorithm."""
        wrapped, kcv = bytes.fromhex(self.wrapped_key), bytes.fromhex(self.kcv)
        if len(wrapped) not in self.algo.key_lengths:
            lengths = " or ".join(str(n) for n in self.algo.key_lengths)
            raise KeyDeliveryError(f"a wrapped {self.algorithm} key is {lengths} bytes, not {len(wrapped)}")
        if len(kcv) != self.algo.kcv_len:
            raise KeyDeliveryError(f"a {self.algorithm} KCV is {self.algo.kcv_len} bytes, not {len(kcv)}")
        return WorkingKey(self.master_slot, key_slot, self.algo, wrapped, kcv)


def parse_delivery(text: str | bytes) -> KeyDelivery:
    """The delivery in `text`. Raises KeyDeliveryError naming what is wrong (never another exception)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyDeliveryError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise KeyDeliveryError("not a JSON object")
    try:
        delivery = KeyDelivery.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise KeyDeliveryError(f"{where}: {first['msg']}") from exc
    delivery.working_key(0)  # lengths checked once, here
    return delivery


def read_delivery(path: Path) -> KeyDelivery:
    """The delivery file at `path`. Raises KeyDeliveryError if unreadable or invalid."""
    try:
        return parse_delivery(path.read_bytes())
    except OSError as exc:
        raise KeyDeliveryError(f"cannot read {path}: {exc.strerror}") from exc


def load_delivered_key(pad: PinPad, cfg: PinPadConfig, delivery: KeyDelivery) -> PinPadKey:
    """Load `delivery` into the configured slot; the pad and the driver both check the KCV.

    Raises KeyLoadError if the delivery is for another key, algorithm or master slot than the config names,
    or the pad refuses it; DeviceTimeout/LinkError if the pad does not answer.
    """
    expected = {"key_id": cfg.key_id, "algorithm": cfg.algorithm, "master_slot": cfg.master_slot}
    for name, want in expected.items():
        if want and getattr(delivery, name) != want:
            raise KeyLoadError(f"the delivery's {name} is {getattr(delivery, name)!r}, the config names {want!r}")
    result = pad.load_working_key(delivery.working_key(cfg.key_slot))
    if not result.ok:
        raise KeyLoadError(f"the pad refused the key: {result.completion.value} {result.error_code or ''}".strip())
    return PinPadKey(cfg.master_slot, cfg.key_slot, delivery.algo, delivery.key_id, result.value)


def loaded_key(pad: PinPad, cfg: PinPadConfig) -> PinPadKey:
    """The working key the pad reports in the configured slot, named as the config names it.

    Raises KeyNotLoaded if the pad is tampered or its slot is empty; the message says how to fix it.
    """
    status = pad.status()
    if status.device is DeviceState.FRAUD_ATTEMPT:
        raise KeyNotLoaded("the PIN pad reports tamper (its keys are erased): call the bank's key custodians")
    if status.device not in (DeviceState.ONLINE, DeviceState.BUSY):
        raise KeyNotLoaded(f"the PIN pad does not answer ({status.device.value})")
    slots = {s for s in status.details.get("keys", "").split(",") if s}
    if str(cfg.key_slot) not in slots:
        raise KeyNotLoaded(f"no working key in slot {cfg.key_slot}: run `kiosk pinpad load-key FILE`")
    return PinPadKey(cfg.master_slot, cfg.key_slot, Algorithm[cfg.algorithm.upper()], cfg.key_id)
