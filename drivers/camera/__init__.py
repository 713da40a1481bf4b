"""Camera QR reading: frame sources, zxing-cpp decoding restricted to QR, and a worker thread with callbacks."""

from drivers.camera.decoder import CodeSeen, Deduplicator, QrDecoder
from drivers.camera.sources import (
    ArraySource,
    FrameSource,
    ImageFileSource,
    OpenCVSource,
    as_frame,
    open_source,
    opencv_available,
)
from drivers.camera.worker import CameraWorker

__all__ = [
    "ArraySource",
    "CameraWorker",
    "CodeSeen",
    "Deduplicator",
    "FrameSource",
    "ImageFileSource",
    "OpenCVSource",
    "QrDecoder",
    "as_frame",
    "open_source",
    "opencv_available",
]
