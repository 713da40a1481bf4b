"""A virtual UnionPay PBOC debit card that plugs into the real pcscd through vpcd's socket.

vpcd listens on 127.0.0.1:35963/35964 ("Virtual PCD 00 00"/"00 01"); the card is inserted while its TCP
connection is open. Wire: 2-byte big-endian length + payload; a 1-byte payload is control (00 power off,
01 power on, 02 reset, 04 ATR -> reply the ATR), anything else is a command APDU -> reply the response APDU.
The card answers from its personalisation built with `drivers.chip.protocol`, so reader and card share
one definition of the bytes. Tests drive it by calling methods (insert, remove, faults), never by timers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import struct
import threading
from collections.abc import Callable

from drivers.chip import protocol as p
from drivers.chip.emv import mask_pan
from drivers.chip.protocol import AflEntry
from drivers.chip.tlv import encode_tlv
from drivers.errors import LinkError
from drivers.sim.pcscd import VPCD_SLOTS, wait_for_reader

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04
# T=0 only (T0 = 0x68: TB1/TC1 follow, 8 historical bytes); contact PBOC cards are commonly T=0.
DEFAULT_ATR = bytes.fromhex("3B680000") + b"KIOSKPBC"
OVERSIZE_ATR = bytes(40)  # longer than MAX_ATR_SIZE (33): pcscd's power-up fails and it marks the card mute
PDOL = bytes.fromhex("9F1A025F2A029A039C019F3704")
AFL = (AflEntry(1, 1, 1, 0), AflEntry(2, 1, 2, 1), AflEntry(3, 1, 1, 0))


def _bcd_date(value: dt.date | str) -> bytes:
    text = value.strftime("%y%m%d") if isinstance(value, dt.date) else value
    return bytes.fromhex(text)


class CardFiles:
    """The card's personalisation as TLV bytes: PSE FCI and directory, application FCI, AFL records.

    Data is spread over three short files and four records so a reader that skips or repeats records
    (python-emv's loop bug) misses the PAN or the expiry.
    """

    def __init__(self, pan: str, expiry: bytes, psn: str, label: str, name: str, aid: bytes) -> None:
        self.pan, self.expiry, self.psn, self.label, self.name, self.aid = pan, expiry, psn, label, name, aid

    def pse_fci(self) -> bytes:
        prop = encode_tlv(p.TAG_SFI, b"\x01") + encode_tlv(0x5F2D, b"zhen")
        return encode_tlv(p.TAG_FCI, encode_tlv(p.TAG_DF_NAME, p.PSE) + encode_tlv(p.TAG_FCI_PROPRIETARY, prop))

    def directory_record(self, sfi: int, record: int) -> bytes | None:
        if (sfi, record) != (1, 1):
            return None
        entry = encode_tlv(p.TAG_AID, self.aid) + encode_tlv(p.TAG_LABEL, self.label.encode()) + b"\x87\x01\x01"
        return encode_tlv(p.TAG_RECORD, encode_tlv(p.TAG_DIR_ENTRY, entry))

    def app_fci(self, pdol: bytes) -> bytes:
        prop = encode_tlv(p.TAG_LABEL, self.label.encode()) + b"\x87\x01\x01" + encode_tlv(0x5F2D, b"zhen")
        if pdol:
            prop += encode_tlv(p.TAG_PDOL, pdol)
        return encode_tlv(p.TAG_FCI, encode_tlv(p.TAG_DF_NAME, self.aid) + encode_tlv(p.TAG_FCI_PROPRIETARY, prop))

    def app_record(self, sfi: int, record: int, *, track2_only: bool = False) -> bytes | None:
        yymm = self.expiry.hex()[:4]
        records = {
            (1, 1): [(p.TAG_TRACK2, p.encode_track2(self.pan, yymm)), (p.TAG_CARDHOLDER, self.name.encode() or b" ")],
            (2, 1): [(0x5F25, bytes.fromhex("200101")), (p.TAG_EXPIRY, self.expiry), (0x5F28, b"\x01\x56")],
            (2, 2): [(p.TAG_PAN, p.encode_pan(self.pan)), (p.TAG_PSN, bytes.fromhex(self.psn)), (0x8E, bytes(10))],
            (3, 1): [(p.TAG_APP_VERSION, b"\x00\x30"), (0x9F4A, b"\x82")],
        }
        objects = records.get((sfi, record))
        if objects is None:
            return None
        if track2_only:
            objects = [(tag, value) for tag, value in objects if tag not in (p.TAG_PAN, p.TAG_EXPIRY)]
        return encode_tlv(p.TAG_RECORD, b"".join(encode_tlv(tag, value) for tag, value in objects))


class T0Responder:
    """Shapes answers the T=0 way: case-4 data behind 61xx + GET RESPONSE, case-2 wrong Le as 6Cxx."""

    def __init__(self) -> None:
        self._pending = b""

    def clear(self) -> None:
        self._pending = b""

    def shape(self, apdu: bytes, data: bytes, sw: bytes, *, t0: bool) -> bytes:
        if not t0 or not data:
            return data + sw
        if len(apdu) > 5:  # case 4: the data waits for GET RESPONSE
            self._pending = data
            return bytes([0x61, len(data) & 0xFF])
        le = apdu[4] if len(apdu) == 5 else 0
        if (le or 256) != len(data):
            return bytes([0x6C, len(data) & 0xFF])
        return data + sw

    def get_response(self, apdu: bytes) -> bytes:
        if not self._pending:
            return b"\x69\x85"
        le = (apdu[4] if len(apdu) >= 5 else 0) or 256
        chunk, self._pending = self._pending[:le], self._pending[le:]
        if self._pending:
            return chunk + bytes([0x61, min(len(self._pending), 256) & 0xFF])
        return chunk + b"\x90\x00"


class VirtualPbocCard:
    """A personalised PBOC debit card; `insert()` connects it to a vpcd slot, `remove()` pulls it out.

    Behaviour knobs (plain attributes, change them any time): `t0` answers case-4 commands with 61xx and
    case-2 commands with a wrong Le with 6Cxx (else T=1 style, data + 9000); `pse` offers the PSE directory;
    `pdol` asks for PDOL data in GPO; `gpo_format` 1 (tag 80) or 2 (tag 77); `pan_in_track2_only` leaves
    out tag 5A; `blocked` answers SELECT AID with 6283; `malformed` corrupts a record's TLV; `mute` is
    None, "atr" (no usable ATR) or "apdu" (never answers a command).
    """

    def __init__(
        self,
        pan: str,
        *,
        expiry: dt.date | str = "301231",
        psn: str = "01",
        label: str = "UnionPay Debit",
        cardholder_name: str = "",
        aid: bytes = p.AID_DEBIT,
        port: int = VPCD_SLOTS[0].port,
        host: str = "127.0.0.1",
        atr: bytes = DEFAULT_ATR,
    ) -> None:
        self.pan = pan
        self.port, self.host, self.atr = port, host, atr
        self.t0, self.pse, self.pdol, self.gpo_format = True, True, True, 2
        self.pan_in_track2_only = self.blocked = self.malformed = False
        self.mute: str | None = None
        self.commands: list[bytes] = []  # every command APDU received, for tests
        self._files = CardFiles(pan, _bcd_date(expiry), psn, label, cardholder_name, aid)
        self._responder = T0Responder()
        self._selected: str | None = None  # "pse" or "app"
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.powered = threading.Event()

    def __repr__(self) -> str:
        return f"VirtualPbocCard(pan={mask_pan(self.pan)!r}, port={self.port}, inserted={self.inserted})"

    @property
    def reader(self) -> str:
        """The pcscd reader name this card appears in."""
        return next((s.reader for s in VPCD_SLOTS if s.port == self.port), f"vpcd:{self.port}")

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    # --- insertion ---------------------------------------------------------------------------------
    def insert(self, timeout: float = 5.0, *, wait: bool = False) -> None:
        """Connect to vpcd (the card is now in the reader) and start answering. Idempotent.

        With `wait`, return only once pcscd reports the card present (~0.4 s: pcscd polls vpcd).
        Raises LinkError if nothing listens on the vpcd port (pcscd not running with vpcd).
        """
        self._connect(timeout)
        if wait:
            wait_for_reader(self.reader, present=True, timeout=timeout)

    def _connect(self, timeout: float) -> None:
        with self._lock:
            if self._sock is not None:
                return
            try:
                sock = socket.create_connection((self.host, self.port), timeout=timeout)
            except OSError as exc:
                raise LinkError(f"vpcd port {self.port} refused: {exc}", code="noVpcd") from exc
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._reset()
            self._thread = threading.Thread(
                target=self._serve, args=(sock,), name=f"pboc-card-{self.port}", daemon=True
            )
            self._thread.start()
        log.debug("card %s inserted on port %d", mask_pan(self.pan), self.port)

    def remove(self, *, wait: bool = False, timeout: float = 5.0) -> None:
        """Close the connection (the card leaves the reader) and wait for the answering thread. Idempotent.

        With `wait`, return only once pcscd reports the reader empty, so a next card cannot be mistaken
        for this one by pcscd.
        """
        self._disconnect()
        if wait:
            wait_for_reader(self.reader, present=False, timeout=timeout)

    def _disconnect(self) -> None:
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        self.powered.clear()
        log.debug("card %s removed from port %d", mask_pan(self.pan), self.port)

    def close(self) -> None:
        """Remove the card; the object can be inserted again later."""
        self.remove()

    def __enter__(self) -> VirtualPbocCard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the vpcd wire -----------------------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        try:
            while (payload := _recv_frame(sock)) is not None:
                reply = self._on_payload(payload)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            pass  # removed (socket shut down) or pcscd went away: either way the card is out
        finally:
            with self._lock:
                if self._sock is sock:  # pcscd closed on us: count the card as removed
                    self._sock = self._thread = None
                    sock.close()

    def _on_payload(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            return self._on_control(payload[0])
        if self.mute == "apdu":
            return None
        return self.respond(payload)

    def _on_control(self, code: int) -> bytes | None:
        if code == CTRL_ATR:
            return OVERSIZE_ATR if self.mute == "atr" and self.powered.is_set() else self.atr
        if code in (CTRL_ON, CTRL_RESET):
            self._reset()
            self.powered.set()
        elif code == CTRL_OFF:
            self.powered.clear()
        return None

    def _reset(self) -> None:
        self._selected = None
        self._responder.clear()

    # --- APDU processing (pure; tests may call it directly) ---------------------------------------
    def respond(self, apdu: bytes) -> bytes:
        """The response APDU (data + SW) this card gives to one command APDU (recorded in `commands`)."""
        self.commands.append(bytes(apdu))
        if len(apdu) < 4:
            return b"\x67\x00"
        if apdu[1] == p.INS_GET_RESPONSE and apdu[0] == p.CLA_ISO:
            return self._responder.get_response(apdu)
        self._responder.clear()
        handler = self._handlers().get((apdu[0], apdu[1]))
        if handler is None:
            return b"\x6e\x00" if apdu[0] not in (p.CLA_ISO, p.CLA_EMV) else b"\x6d\x00"
        data, sw = handler(apdu)
        return self._responder.shape(apdu, data, sw, t0=self.t0)

    def _handlers(self) -> dict[tuple[int, int], Callable[[bytes], tuple[bytes, bytes]]]:
        return {
            (p.CLA_ISO, p.INS_SELECT): self._select,
            (p.CLA_EMV, p.INS_GPO): self._gpo,
            (p.CLA_ISO, p.INS_READ_RECORD): self._read_record,
        }

    def _select(self, apdu: bytes) -> tuple[bytes, bytes]:
        name = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if name == p.PSE and self.pse:
            self._selected = "pse"
            return self._files.pse_fci(), b"\x90\x00"
        if name and self._files.aid.startswith(name):
            if self.blocked:
                return b"", b"\x62\x83"
            self._selected = "app"
            return self._files.app_fci(PDOL if self.pdol else b""), b"\x90\x00"
        return b"", b"\x6a\x82"

    def _gpo(self, apdu: bytes) -> tuple[bytes, bytes]:
        if self._selected != "app":
            return b"", b"\x69\x85"
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        want = sum(length for _, length in p.parse_dol(PDOL)) if self.pdol else 0
        if len(body) < 2 or body[0] != p.TAG_COMMAND_TEMPLATE or body[1] != want or len(body) != 2 + want:
            return b"", b"\x67\x00"
        aip, afl = bytes.fromhex("7C00"), p.encode_afl(AFL)
        if self.gpo_format == 1:
            return encode_tlv(p.TAG_GPO_FORMAT1, aip + afl), b"\x90\x00"
        return encode_tlv(p.TAG_GPO_FORMAT2, encode_tlv(p.TAG_AIP, aip) + encode_tlv(p.TAG_AFL, afl)), b"\x90\x00"

    def _read_record(self, apdu: bytes) -> tuple[bytes, bytes]:
        record, sfi = apdu[2], apdu[3] >> 3
        if apdu[3] & 0x07 != 0x04 or self._selected is None:
            return b"", b"\x6a\x82" if self._selected else b"\x69\x85"
        if self._selected == "pse":
            data = self._files.directory_record(sfi, record)
        else:
            data = self._files.app_record(sfi, record, track2_only=self.pan_in_track2_only)
        if data is None:
            return b"", b"\x6a\x83"
        if self.malformed and (sfi, record) == (2, 2):
            data = data[:-3]  # the template promises bytes the card never sends
        return data, b"\x90\x00"


class VirtualIcStation:
    """The IC station of an emulated dispenser: plug `on_card_at_ic`/`on_card_left_ic` into its callbacks.

    Each PAN gets its own `VirtualPbocCard` on `port`; `card_factory` may personalise cards differently.
    """

    def __init__(self, port: int, card_factory: Callable[[str, int], VirtualPbocCard] | None = None) -> None:
        self.port = port
        self._factory = card_factory or (lambda pan, port: VirtualPbocCard(pan, port=port))
        self.card: VirtualPbocCard | None = None

    def on_card_at_ic(self, pan: str) -> None:
        """A card reached the contacts: insert its chip into the reader (a previous one is removed first)."""
        self.on_card_left_ic(None)
        self.card = self._factory(pan, self.port)
        self.card.insert()

    def on_card_left_ic(self, pan: str | None = None) -> None:
        """The card left the contacts: remove it from the reader."""
        card, self.card = self.card, None
        if card is not None:
            card.remove()

    def close(self) -> None:
        self.on_card_left_ic(None)


def _recv_frame(sock: socket.socket) -> bytes | None:
    """One vpcd frame's payload, or None at end of stream. QUICKACK first: vpcd sends length and payload apart."""
    header = _recv_exact(sock, 2)
    if header is None:
        return None
    return _recv_exact(sock, struct.unpack(">H", header)[0])


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)
