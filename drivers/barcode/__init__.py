"""Serial barcode scanners: `protocol` (framing and command tables, no I/O) and `driver` (the reader thread)."""

from drivers.barcode.driver import BarcodeScanner, LinkChanged, ScannerConfig, ScannerEvent
from drivers.barcode.protocol import MODELS, FramingConfig, Rejected, RejectReason, Scan

__all__ = [
    "MODELS",
    "BarcodeScanner",
    "FramingConfig",
    "LinkChanged",
    "RejectReason",
    "Rejected",
    "Scan",
    "ScannerConfig",
    "ScannerEvent",
]
