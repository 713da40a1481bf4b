"""The QR scanner as journey events: a thread waits for scans and posts QrScanned."""

from __future__ import annotations

import threading
from collections.abc import Callable

from drivers.barcode import BarcodeScanner
from kiosk_app.flow.events import Event, QrScanned


class ScannerWatcher:
    def __init__(self, scanner: BarcodeScanner, post: Callable[[Event], None]) -> None:
        self.scanner, self.post = scanner, post
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scanner-watch", daemon=True)

    def start(self) -> ScannerWatcher:
        self.scanner.start()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._cancel.is_set():
            result = self.scanner.next_scan(timeout=1.0, cancel=self._cancel)
            if result.ok and result.value is not None:
                self.post(QrScanned(result.value.data))

    def stop(self) -> None:
        self._cancel.set()
        self._thread.join(5)
