"""The camera worker: reads frames, decodes QR codes and calls back with new codes, all off the UI thread.

Callbacks run on the worker thread; a Kivy UI hops to its own thread with `Clock.schedule_once`. The worker
stops when asked, when a finite source ends (`on_end`), or when the source fails (`on_error` with the
`DeviceError`). A slow decoder never queues frames up: the worker pulls the next frame only when ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from drivers.camera.decoder import CodeSeen, Deduplicator, QrDecoder
from drivers.camera.sources import FrameSource
from drivers.errors import DeviceError
from drivers.status import DeviceState, DeviceStatus

__all__ = ["CameraWorker"]

log = logging.getLogger(__name__)


class CameraWorker:
    """Runs `source` -> `decoder` -> `dedupe` -> `on_code` on a thread of its own."""

    def __init__(
        self,
        source: FrameSource,
        on_code: Callable[[CodeSeen], None],
        *,
        decoder: QrDecoder | None = None,
        dedupe: Deduplicator | None = None,
        on_error: Callable[[DeviceError], None] | None = None,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self.decoder = decoder or QrDecoder()
        self.dedupe = dedupe or Deduplicator()
        self._on_code, self._on_error, self._on_end = on_code, on_error, on_end
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0
        self.error: DeviceError | None = None

    def start(self) -> CameraWorker:
        """Start decoding (idempotent while running)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="camera-qr", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to stop after the current frame and wait for it (at most `timeout`)."""
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker to finish (e.g. a finite source to end); True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def close(self) -> None:
        """Stop and release the source."""
        self.stop()
        self.source.close()

    def __enter__(self) -> CameraWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> DeviceStatus:
        """Online while decoding, hardware error after a source failure, offline when stopped."""
        if self.error is not None:
            state = DeviceState.HARDWARE_ERROR
        else:
            state = DeviceState.ONLINE if self.running else DeviceState.OFFLINE
        return DeviceStatus(state, {"frames": str(self.frames)})

    def process(self, frame: np.ndarray) -> list[CodeSeen]:
        """Decode one frame and return the codes new to the deduplicator (also what the thread does)."""
        self.frames += 1
        texts = self.decoder.decode(frame)
        return [CodeSeen(text, self.dedupe.frame) for text in self.dedupe.update(texts)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self.source.read()
            except DeviceError as exc:
                self.error = exc
                log.warning("camera source failed: %s", exc)
                self._call(self._on_error, exc)
                return
            if frame is None:
                self._call(self._on_end)
                return
            for code in self.process(frame):
                self._call(self._on_code, code)

    @staticmethod
    def _call(callback: Callable[..., None] | None, *args: object) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a faulty listener must not kill the camera
            log.exception("camera callback failed")
