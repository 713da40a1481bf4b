"""QR decoding of camera frames with zxing-cpp, and the rule that one code held up is reported once.

Restricting zxing-cpp to QR codes is about 8x faster than letting it try every format and removes false
reads of 1D codes on printed matter. A phone held in front of the camera yields the same code on many
consecutive frames, with the odd frame missed to blur; `Deduplicator` reports a code when it appears and
again only after it has been out of sight for more than `forget_after` frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import zxingcpp

__all__ = ["CodeSeen", "Deduplicator", "QrDecoder"]


@dataclass(frozen=True)
class CodeSeen:
    """A QR code newly in sight: its text (may be personal: not in the repr) and the frame it appeared on."""

    text: str = field(repr=False)
    frame: int


class QrDecoder:
    """zxing-cpp restricted to QR codes; the options are zxing-cpp's own `read_barcodes` options."""

    def __init__(self, *, try_rotate: bool = True, try_downscale: bool = True, try_invert: bool = True) -> None:
        self._options = {"try_rotate": try_rotate, "try_downscale": try_downscale, "try_invert": try_invert}

    def decode(self, frame: np.ndarray) -> list[str]:
        """Texts of the valid QR codes in `frame` (grayscale or BGR uint8), in zxing-cpp's order."""
        found = zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode, **self._options)
        return [barcode.text for barcode in found if barcode.valid]


class Deduplicator:
    """Turns per-frame sightings into appearances. Raises ValueError if `forget_after` < 1."""

    def __init__(self, forget_after: int = 15) -> None:
        if forget_after < 1:
            raise ValueError("forget_after must be >= 1")
        self.forget_after = forget_after
        self._last_seen: dict[str, int] = {}
        self._frame = -1

    def update(self, texts: Iterable[str]) -> list[str]:
        """Record one frame's codes; return those not seen within the last `forget_after` frames."""
        self._frame += 1
        new = []
        for text in texts:
            if text not in self._last_seen and text not in new:
                new.append(text)
            self._last_seen[text] = self._frame
        horizon = self._frame - self.forget_after
        for text in [t for t, seen in self._last_seen.items() if seen < horizon]:
            del self._last_seen[text]
        return new

    @property
    def frame(self) -> int:
        """Index of the last frame recorded (0-based)."""
        return self._frame

    def reset(self) -> None:
        """Forget every code (a new customer session starts)."""
        self._last_seen.clear()
