"""A face image for the bank's identity check, from the kiosk camera, only after the customer consented.

The frame is encoded as JPEG here and handed to the identity check once; it is never written to disk or a
log, and the session forgets it at its end.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image

from drivers.errors import DeviceError
from kiosk_app.flow.ports import PortError

if TYPE_CHECKING:
    from drivers.camera import FrameSource

JPEG_QUALITY = 85
MAX_SIDE = 640  # the identity service wants a face, not a poster: smaller uploads, less data held


class FaceCamera:
    def __init__(self, source: FrameSource) -> None:
        self.source = source

    def capture(self) -> bytes:
        """Raises PortError('camera_unavailable') when no frame comes."""
        try:
            frame = self.source.read()
        except DeviceError as exc:
            raise PortError("camera_unavailable", str(exc)) from exc
        if frame is None:
            raise PortError("camera_unavailable", "no frame")
        image = Image.fromarray(frame)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
        return out.getvalue()
