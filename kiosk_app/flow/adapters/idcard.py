"""The ID card reader as journey events: a watcher thread turns reads into IdCardRead / IdCardUnreadable.

The watcher runs for the life of the kiosk; the session ignores card events in states that do not expect
one (the table has no edge for them), so a card left on the reader cannot skip a step.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from drivers.idcard import CardEvent, CardEventKind, CardType, IdCardReader, IdentityDocument, ValidationRule
from kiosk_app.flow.events import Event, IdCardRead, IdCardUnreadable
from kiosk_app.flow.model import Identity

log = logging.getLogger(__name__)

CARD_TYPES = {
    CardType.RESIDENT: "resident_id",
    CardType.HMT_RESIDENCE_PERMIT: "hk_macao_taiwan_permit",
    CardType.FOREIGNER_PERMANENT: "foreign_permanent_resident",
    CardType.FOREIGNER_PERMANENT_2023: "foreign_permanent_resident",
}


def to_identity(doc: IdentityDocument) -> Identity:
    return Identity(
        card_type=CARD_TYPES[doc.card_type], id_number=doc.number, name_zh=doc.name or "",
        name_en=doc.english_name or "", sex=doc.sex.value if doc.sex else "",
        birth_date=doc.birth_date, nationality=doc.nationality or "CHN", address=doc.current_address or "",
        valid_to=doc.valid_to, photo=doc.photo,
    )


def to_event(doc: IdentityDocument, today: date) -> Event:
    """A read document as the session's event: an expired or invalid card is refused with its reason."""
    issues = doc.validation_issues(today)
    if any(i.rule is ValidationRule.EXPIRED for i in issues):
        return IdCardUnreadable("id_expired")
    if issues:
        log.warning("ID card failed validation: %s", ", ".join(i.rule.value for i in issues))
        return IdCardUnreadable("id_invalid")
    return IdCardRead(to_identity(doc))


class IdCardWatcher:
    """Polls the reader on its own thread and posts events; `stop()` ends it within one poll interval."""

    def __init__(self, reader: IdCardReader, post: Callable[[Event], None],
                 today: Callable[[], date] = date.today) -> None:
        self.reader, self.post, self.today = reader, post, today
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idcard-watch", daemon=True)

    def start(self) -> IdCardWatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._cancel.is_set():
            for event in self.reader.watch(self._cancel, timeout=None):
                self._on(event)

    def _on(self, event: CardEvent) -> None:
        if event.kind is CardEventKind.READ and event.document is not None:
            self.post(to_event(event.document, self.today()))
        elif event.kind is CardEventKind.READ_FAILED:
            self.post(IdCardUnreadable("id_unreadable"))
        elif event.kind in (CardEventKind.OFFLINE, CardEventKind.FAULT):
            log.warning("ID card reader %s: %s", event.kind.value, event.detail)

    def stop(self) -> None:
        self._cancel.set()
        self._thread.join(5)
