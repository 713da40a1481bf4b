"""An ID card reader (SAM module) on a pseudo-terminal, answering the real bytes.

Tests drive it by calling methods: place or remove a card, arm a fault for the next command(s), unplug
and replug. Nothing here runs on a timer except the optional wire-true pacing, which only delays bytes.
With `link_path` the emulator also keeps a symlink to its pty (as udev keeps /dev/serial/by-id/...), so a
hard unplug removes the port file and a replug brings it back at the same path on a new pty.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field

from drivers.idcard import protocol as p
from drivers.idcard.document import encode_address, encode_text_block, make_id_number
from drivers.idcard.layouts import CardType
from drivers.idcard.protocol import Command, FrameDecoder
from drivers.sim.pty_link import PtyLink

log = logging.getLogger(__name__)

_BIRTH = "19900307"
SAMPLE_FIELDS: dict[CardType, dict[str, str]] = {
    CardType.RESIDENT: {
        "name": "张三", "sex": "1", "nation": "01", "birth_date": _BIRTH, "address": "北京市东城区正义路1号",
        "number": make_id_number("110101", _BIRTH, "123"), "authority": "北京市公安局东城分局",
        "valid_from": "20200101", "valid_to": "20400101",
    },
    CardType.HMT_RESIDENCE_PERMIT: {
        "name": "陈大文", "sex": "1", "birth_date": _BIRTH, "address": "广东省深圳市福田区福华路1号",
        "number": make_id_number("810000", _BIRTH, "015"), "authority": "深圳市公安局",
        "valid_from": "20200101", "valid_to": "20300101", "pass_number": "H12345678", "issue_count": "01",
    },
    CardType.FOREIGNER_PERMANENT: {
        "english_name": "SMITH, JOHN", "sex": "1", "number": "USA110090030711", "nationality": "USA",
        "name": "史密斯", "valid_from": "20200101", "valid_to": "20300101", "birth_date": _BIRTH,
        "card_version": "01", "authority_code": "1500",
    },
    CardType.FOREIGNER_PERMANENT_2023: {
        "name": "怀特", "sex": "2", "renewal_count": "00", "birth_date": _BIRTH,
        "english_name": "WHITE, ELIZABETH ALEXANDRA MARY ANNE", "number": make_id_number("911502", _BIRTH, "024"),
        "valid_from": "20230101", "valid_to": "20330101", "nationality": "GBR", "previous_card_link": "",
    },
}


@dataclass
class EmulatedCard:
    """A card on the reader: its text block, WLT photo, optional fingerprint and appended address."""

    text: bytes
    photo: bytes = field(default=bytes(p.PHOTO_LEN), repr=False)
    fingerprint: bytes | None = field(default=None, repr=False)
    appended_address: str | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        card_type: CardType = CardType.RESIDENT,
        *,
        photo: bytes | None = None,
        fingerprint: bytes | None = None,
        appended_address: str | None = None,
        **fields: str,
    ) -> EmulatedCard:
        """A card of `card_type` with the sample values, overridden by `fields` (raw texts, see encode_text_block)."""
        text = encode_text_block(card_type, **(SAMPLE_FIELDS[card_type] | fields))
        photo = photo if photo is not None else bytes(range(256)) * (p.PHOTO_LEN // 256)
        return cls(text, photo, fingerprint, appended_address)


class Fault(enum.Enum):
    """Line and device faults the emulator can put on its next answer(s)."""

    CHECKSUM = "checksum"  # the answer's checksum byte is wrong
    TRUNCATE = "truncate"  # only the first half of the answer is sent
    GARBAGE = "garbage"  # noise (with a partial preamble) before the answer
    GARBAGE_ONLY = "garbageOnly"  # noise instead of the answer
    SILENCE = "silence"  # no answer at all
    SAM_ERROR = "samError"  # a status-only answer with the given SW3


@dataclass
class _Armed:
    fault: Fault
    command: Command | None
    count: int
    sw3: int = 0


class IdCardEmulator:
    """A SAM-module reader behind a pty; `path` is the port a driver opens."""

    def __init__(
        self,
        *,
        link_path: str | None = None,
        baudrate: int = 115200,
        pace: bool = False,
        sam_id: bytes = p.encode_sam_id(5, 1, (20101111, 123456, 654321)),
        seed: int = 0,
    ) -> None:
        self.baudrate = baudrate
        self.pace = pace
        self.sam_id_data = sam_id
        self.link_path = link_path
        self.card: EmulatedCard | None = None
        self.commands: list[Command | int] = []
        self.bytes_in = 0
        self.bytes_out = 0
        self._selected = False
        self._faults: list[_Armed] = []
        self._removal_armed = False
        self._silent = False
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._link: PtyLink | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._start()

    # --- life cycle ---------------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """The port to open: the stable symlink if one was asked for, else the pty itself."""
        if self.link_path:
            return self.link_path
        assert self._link is not None, "emulator is unplugged"
        return self._link.path

    def _start(self) -> None:
        self._link = PtyLink()
        if self.link_path:
            tmp = f"{self.link_path}.new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self._link.path, tmp)
            os.replace(tmp, self.link_path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(self._link, self._stop), daemon=True,
                                        name="idcard-emulator")
        self._thread.start()

    def _halt(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._link is not None:
            self._link.close()
        self._link, self._thread = None, None
        if self.link_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link_path)

    def close(self) -> None:
        """Stop answering and release the pty (and the symlink)."""
        self._halt()

    def __enter__(self) -> IdCardEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def unplug(self, hard: bool = False) -> None:
        """Soft: go silent (a hung module, a cable with no power). Hard: close the pty and remove the port file."""
        if hard:
            self._halt()
        else:
            self._silent = True

    def replug(self) -> None:
        """Come back: answer again, on a new pty behind the same `link_path` after a hard unplug."""
        self._silent = False
        if self._link is None:
            self._start()

    # --- scripting ----------------------------------------------------------------------------------------
    def place_card(self, card: EmulatedCard) -> None:
        """Put a card in the reader's field."""
        with self._lock:
            self.card, self._selected = card, False

    def remove_card(self) -> None:
        """Take the card away."""
        with self._lock:
            self.card, self._selected = None, False

    def remove_during_read(self) -> None:
        """The card leaves the field while the next read command runs: the SAM answers "read failed"."""
        self._removal_armed = True

    def inject(self, fault: Fault, *, command: Command | None = None, count: int = 1, sw3: int = 0x41) -> None:
        """Put `fault` on the next `count` answers (to `command` only, if given)."""
        with self._lock:
            self._faults.append(_Armed(fault, command, count, sw3))

    def sam_error(self, sw3: int, *, command: Command | None = None, count: int = 1) -> None:
        """Answer the next `count` commands (of kind `command`) with status `sw3` and no data."""
        self.inject(Fault.SAM_ERROR, command=command, count=count, sw3=sw3)

    # --- the device -----------------------------------------------------------------------------------------
    def _serve(self, link: PtyLink, stop: threading.Event) -> None:
        decoder = FrameDecoder()
        while not stop.is_set():
            data = link.read(timeout=0.05)
            if not data:
                continue
            received = time.monotonic()
            self.bytes_in += len(data)
            decoder.feed(data)
            for frame in p.drain_frames(decoder):
                self._answer(link, frame, received)

    def _answer(self, link: PtyLink, frame: p.Frame, received: float) -> None:
        cmd, para, _data = frame.command
        code = (cmd << 8) | para
        command = Command(code) if code in Command._value2member_map_ else None
        self.commands.append(command if command is not None else code)
        if self._silent:
            return
        with self._lock:
            armed = self._take_fault(command)
            answer = self._respond(command) if armed is None else self._faulty(armed, command)
        if answer:
            self._send(link, answer, received + len(frame.raw) * self._byte_time)

    def _take_fault(self, command: Command | None) -> _Armed | None:
        for armed in self._faults:
            if armed.command is None or armed.command is command:
                armed.count -= 1
                if armed.count <= 0:
                    self._faults.remove(armed)
                return armed
        return None

    def _faulty(self, armed: _Armed, command: Command | None) -> bytes:
        if armed.fault is Fault.SAM_ERROR:
            return p.encode_response(armed.sw3)
        if armed.fault is Fault.SILENCE:
            return b""
        noise = bytes(self._rng.randrange(256) for _ in range(self._rng.randrange(3, 40))) + p.PREAMBLE[:3]
        if armed.fault is Fault.GARBAGE_ONLY:
            return noise
        answer = self._respond(command)
        if armed.fault is Fault.CHECKSUM:
            return answer[:-1] + bytes((answer[-1] ^ 0x5A,))
        if armed.fault is Fault.TRUNCATE:
            return answer[: len(answer) // 2]
        return noise + answer

    def _respond(self, command: Command | None) -> bytes:
        """The answer of a healthy module to `command`, given the card on the reader."""
        card = self.card
        if command is Command.READ_SAM_ID:
            return p.encode_response(p.SW3_OK, self.sam_id_data)
        if command in (Command.STATUS, Command.SET_RF_FRAME):
            return p.encode_response(p.SW3_OK)
        if command is Command.FIND_CARD:
            return p.encode_response(p.SW3_FIND_OK, bytes(4)) if card else p.encode_response(0x80)
        if command is Command.SELECT_CARD:
            self._selected = card is not None
            return p.encode_response(p.SW3_OK, bytes(8)) if card else p.encode_response(0x81)
        if command in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT, Command.READ_ADDRESS):
            return self._read(command, card)
        return p.encode_response(0x21)

    def _read(self, command: Command, card: EmulatedCard | None) -> bytes:
        if self._removal_armed and card is not None:
            self._removal_armed = False
            self.card, self._selected = None, False
            return p.encode_response(0x41)
        if card is None or not self._selected:
            return p.encode_response(0x41)
        if command is Command.READ_ADDRESS:
            if card.appended_address is None:
                return p.encode_response(p.SW3_NO_CONTENT)
            return p.encode_response(p.SW3_OK, encode_address(card.appended_address))
        fingerprint = None
        if command is Command.READ_TEXT_PHOTO_FINGERPRINT:
            fingerprint = card.fingerprint if card.fingerprint is not None else b""
        return p.encode_response(p.SW3_OK, p.encode_card_record(card.text, card.photo, fingerprint))

    @property
    def _byte_time(self) -> float:
        """Seconds per byte on the wire (8N1: 10 bits), 0 when pacing is off."""
        return 10.0 / self.baudrate if self.pace else 0.0

    def _send(self, link: PtyLink, data: bytes, start: float, chunk: int = 64) -> None:
        """Write `data`, each chunk when its last byte would have arrived on a real line starting at `start`."""
        bt = self._byte_time
        for offset in range(0, len(data), chunk):
            piece = data[offset : offset + chunk]
            if bt:
                delay = start + (offset + len(piece)) * bt - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                link.write(piece)
            except OSError:
                log.debug("driver side gone while answering")
                return
            self.bytes_out += len(piece)
