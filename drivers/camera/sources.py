"""Frame sources: where camera frames come from, behind one small interface.

`read()` returns the next frame as a numpy array (grayscale H x W, or H x W x 3 BGR as OpenCV delivers),
None once a finite source has ended, and raises `LinkError` when a device fails. Sources:
- `ArraySource`: frames held in memory (tests, benchmarks, the demo);
- `ImageFileSource`: image files read with Pillow (a demo without a camera);
- `OpenCVSource`: a real camera through OpenCV, only when `cv2` is importable (it is optional).
`open_source("opencv:0" | "images:a.png,b.png" | "images:/dir")` picks one by name, as config does.
"""

from __future__ import annotations

import abc
import importlib.util
import itertools
import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from PIL import Image

from drivers.errors import LinkError

__all__ = [
    "ArraySource",
    "FrameSource",
    "ImageFileSource",
    "OpenCVSource",
    "as_frame",
    "open_source",
    "opencv_available",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".webp")


def as_frame(image: np.ndarray | Image.Image) -> np.ndarray:
    """A frame zxing-cpp reads without copying again: uint8, C-contiguous, grayscale or 3 channels.

    Raises ValueError for shapes that are not an image.
    """
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("L"))
    frame = np.asarray(image)
    if frame.ndim == 3 and frame.shape[2] == 4:
        frame = frame[:, :, :3]
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3):
        raise ValueError(f"not an image frame: shape {frame.shape}")
    return np.ascontiguousarray(frame, dtype=np.uint8)


class FrameSource(abc.ABC):
    """Something that yields frames; the camera worker is its only reader."""

    @abc.abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame, or None when the source has ended. Raises LinkError if the device fails."""

    def close(self) -> None:  # noqa: B027 - optional hook, most sources hold nothing
        """Release the device."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ArraySource(FrameSource):
    """Frames from memory, in order; `loop=True` repeats them forever (a still camera)."""

    def __init__(self, frames: Iterable[np.ndarray | Image.Image], loop: bool = False) -> None:
        self._frames = [as_frame(frame) for frame in frames]
        self._iter: Iterator[np.ndarray] = itertools.cycle(self._frames) if loop else iter(self._frames)

    def read(self) -> np.ndarray | None:
        return next(self._iter, None)


class ImageFileSource(ArraySource):
    """Frames from image files (a directory's images in name order). Raises LinkError if a file is unreadable."""

    def __init__(self, paths: Iterable[str | os.PathLike[str]], loop: bool = False) -> None:
        super().__init__([self._load(path) for path in paths], loop)

    @staticmethod
    def _load(path: str | os.PathLike[str]) -> np.ndarray:
        try:
            with Image.open(path) as image:
                return as_frame(image)
        except OSError as exc:
            raise LinkError(f"cannot read image {os.fspath(path)!r}: {exc}", code="image") from exc


def opencv_available() -> bool:
    """True if OpenCV (`cv2`) can be imported; it is optional and not a dependency of the project."""
    return importlib.util.find_spec("cv2") is not None


class OpenCVSource(FrameSource):
    """A camera through OpenCV's VideoCapture, delivered as grayscale frames.

    Raises LinkError(code="no_opencv") if OpenCV is not installed, or code="open" if the camera does not open.
    """

    def __init__(self, device: int | str = 0, width: int | None = None, height: int | None = None) -> None:
        if not opencv_available():
            raise LinkError("OpenCV (cv2) is not installed", code="no_opencv")
        import cv2  # optional dependency, imported only when a real camera is wanted

        self._cv2: Any = cv2
        self._capture = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            raise LinkError(f"camera {device!r} did not open", code="open")
        for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, width), (cv2.CAP_PROP_FRAME_HEIGHT, height)):
            if value:
                self._capture.set(prop, value)

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        if not ok:
            raise LinkError("camera delivered no frame", code="read")
        return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2GRAY)

    def close(self) -> None:
        self._capture.release()


def open_source(spec: str, loop: bool = False) -> FrameSource:
    """A source from a config string: ``opencv:<index or url>`` or ``images:<dir or comma-separated files>``.

    Raises ValueError on an unknown scheme, LinkError if the source cannot be opened.
    """
    scheme, _, target = spec.partition(":")
    if scheme == "opencv":
        return OpenCVSource(int(target) if target.isdigit() else target or 0)
    if scheme == "images":
        if os.path.isdir(target):
            names = sorted(n for n in os.listdir(target) if n.lower().endswith(IMAGE_SUFFIXES))
            return ImageFileSource([os.path.join(target, n) for n in names], loop)
        return ImageFileSource([p for p in target.split(",") if p], loop)
    raise ValueError(f"unknown frame source {spec!r}; use opencv:<n> or images:<paths>")
