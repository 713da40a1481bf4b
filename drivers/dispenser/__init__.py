"""CRT-591-style card dispenser: wire protocol (`protocol`, `tables`), link rules (`link`), typed API (`driver`)."""

from drivers.dispenser.driver import CardDispenser, DispenserResult, InitialiseInfo
from drivers.dispenser.link import AckTimeout, DispenserLink, LinkTimings, NakRetriesExhausted, PortClosed
from drivers.dispenser.protocol import InitMode
from drivers.dispenser.tables import (
    CardPosition,
    Dialect,
    DispenserStatus,
    ErrorClass,
    ErrorSpec,
    Fault,
    SensorStatus,
    StackerLevel,
    StorageUnitState,
    Target,
)

__all__ = [
    "AckTimeout",
    "CardDispenser",
    "CardPosition",
    "Dialect",
    "DispenserLink",
    "DispenserResult",
    "DispenserStatus",
    "ErrorClass",
    "ErrorSpec",
    "Fault",
    "InitMode",
    "InitialiseInfo",
    "LinkTimings",
    "NakRetriesExhausted",
    "PortClosed",
    "SensorStatus",
    "StackerLevel",
    "StorageUnitState",
    "Target",
]
