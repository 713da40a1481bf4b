"""The electronic batch account-opening file (批量开户电子文件): writer, parser and validator.

Layout (docs/payroll-batch-file.md): fixed-width records of 200 bytes in GB18030 (byte-identical to GBK for
every GBK character), each ended by CRLF; one header `H`, one detail `D` per employee in line order, one trailer
`T` with the detail count and the SHA-256 of every byte before the trailer. Why fixed width and GBK: it is what
banks' batch (代发/批量开户) systems read — COBOL-era record layouts addressed by byte offset, GBK text — and a
field can never shift into its neighbour the way an unescaped comma shifts a CSV column.

`write` refuses a value that does not fit its field (never truncates); `validate` returns every problem with
its line (1-based) and field; `parse` returns the file or raises BatchFileInvalid carrying those problems.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from central_service.ids import id_number_valid, uscc_valid

ENCODING = "gb18030"
RECORD = 200
EOL = b"\r\n"
VERSION = "01"
LONG_TERM = date(9999, 12, 31)

# (field name, width in bytes, kind): kinds are text (left, space padded), digits (right, zero padded), date.
HEADER = (("record_type", 1, "text"), ("version", 2, "text"), ("batch_id", 20, "text"), ("uscc", 18, "text"),
          ("company_name", 60, "text"), ("payroll_account", 32, "text"), ("branch_id", 16, "text"),
          ("card_product", 24, "text"), ("created_on", 8, "date"))
DETAIL = (("record_type", 1, "text"), ("line", 6, "digits"), ("entry_id", 20, "text"), ("name", 40, "text"),
          ("id_type", 2, "text"), ("id_number", 18, "text"), ("id_expiry", 8, "date"), ("sex", 1, "text"),
          ("date_of_birth", 8, "date"), ("mobile", 11, "text"), ("employee_number", 20, "text"))
TRAILER = (("record_type", 1, "text"), ("count", 6, "digits"), ("sha256", 64, "text"))


@dataclass(frozen=True)
class Header:
    batch_id: str
    uscc: str
    company_name: str
    payroll_account: str
    branch_id: str
    card_product: str
    created_on: date


@dataclass(frozen=True)
class Employee:
    """One detail record (resident ID cards only: id_type 01)."""

    line: int
    entry_id: str
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    id_expiry: date | None = field(repr=False)  # None: long-term card, written 99991231
    sex: str
    date_of_birth: date = field(repr=False)
    mobile: str = field(repr=False)
    employee_number: str = ""


@dataclass(frozen=True)
class BatchFile:
    header: Header
    employees: tuple[Employee, ...]


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


class FieldTooLong(ValueError):
    """A value does not fit its field of the batch file."""


class BatchFileInvalid(ValueError):
    """The batch file breaks its layout; `problems` names each line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]) + (" ..." if len(problems) > 5 else ""))
        self.problems = problems


# --- writing -----------------------------------------------------------------------------------------------


def write(batch: BatchFile) -> bytes:
    """The file's bytes. Raises FieldTooLong (naming line and field) if a value does not fit."""
    h = batch.header
    records = [_record(1, HEADER, {"record_type": "H", "version": VERSION, "batch_id": h.batch_id, "uscc": h.uscc,
                                   "company_name": h.company_name, "payroll_account": h.payroll_account,
                                   "branch_id": h.branch_id, "card_product": h.card_product,
                                   "created_on": h.created_on})]
    for number, e in enumerate(batch.employees, start=2):
        records.append(_record(number, DETAIL, {
            "record_type": "D", "line": e.line, "entry_id": e.entry_id, "name": e.name, "id_type": "01",
            "id_number": e.id_number, "id_expiry": e.id_expiry or LONG_TERM, "sex": e.sex,
            "date_of_birth": e.date_of_birth, "mobile": e.mobile, "employee_number": e.employee_number}))
    body = b"".join(records)
    trailer = _record(len(records) + 1, TRAILER, {"record_type": "T", "count": len(batch.employees),
                                                  "sha256": hashlib.sha256(body).hexdigest()})
    return body + trailer


def _record(number: int, layout: tuple[tuple[str, int, str], ...], values: dict[str, object]) -> bytes:
    out = bytearray()
    for name, width, kind in layout:
        value = values[name]
        if kind == "date":
            raw = value.strftime("%Y%m%d").encode("ascii")  # type: ignore[attr-defined]
        elif kind == "digits":
            raw = str(value).rjust(width, "0").encode("ascii")
        else:
            raw = str(value).encode(ENCODING)
        if len(raw) > width:
            raise FieldTooLong(f"line {number}, {name}: {len(raw)} bytes do not fit {width}")
        out += raw.ljust(width, b" ")
    return bytes(out.ljust(RECORD - len(EOL), b" ")) + EOL


# --- reading -----------------------------------------------------------------------------------------------


def parse(data: bytes) -> BatchFile:
    """The file's contents. Raises BatchFileInvalid with every problem found."""
    problems: list[Problem] = []
    parsed = _read(data, problems)
    if problems or parsed is None:
        raise BatchFileInvalid(problems or [Problem(1, "file", "empty file")])
    return parsed


def validate(data: bytes) -> list[Problem]:
    """Every problem of the file, by line and field (empty: the file is valid)."""
    problems: list[Problem] = []
    _read(data, problems)
    return problems


def _read(data: bytes, problems: list[Problem]) -> BatchFile | None:
    lines = _split(data, problems)
    if not lines:
        problems.append(Problem(1, "file", "empty file"))
        return None
    header = _header(lines[0], problems) if lines[0][:1] == b"H" else None
    if header is None and lines[0][:1] != b"H":
        problems.append(Problem(1, "record_type", "the first record must be the header H"))
    trailer_at = len(lines) if lines[-1][:1] == b"T" else None
    if trailer_at is None:
        problems.append(Problem(len(lines), "record_type", "the last record must be the trailer T"))
    details = lines[1:-1] if trailer_at else lines[1:]
    numbered = [(n, _detail(n, raw, problems)) for n, raw in enumerate(details, start=2)]
    good = [(n, e) for n, e in numbered if e is not None]
    _cross_checks(good, problems)
    found = tuple(e for _, e in good)
    if trailer_at:
        _trailer(trailer_at, lines[-1], len(details), data[: (trailer_at - 1) * RECORD], problems)
    return BatchFile(header, found) if header is not None else None


def _split(data: bytes, problems: list[Problem]) -> list[bytes]:
    lines = []
    for number, start in enumerate(range(0, len(data), RECORD), start=1):
        chunk = data[start : start + RECORD]
        if len(chunk) != RECORD or not chunk.endswith(EOL):
            problems.append(Problem(number, "record", f"each record is {RECORD} bytes ending in CRLF"))
            continue
        lines.append(chunk[: -len(EOL)])
    return lines


def _fields(number: int, raw: bytes, layout: tuple[tuple[str, int, str], ...],
            problems: list[Problem]) -> dict[str, object] | None:
    values: dict[str, object] = {}
    offset, ok = 0, True
    for name, width, kind in layout:
        chunk = raw[offset : offset + width]
        offset += width
        try:
            text = chunk.decode(ENCODING).rstrip(" ")
        except UnicodeDecodeError:
            problems.append(Problem(number, name, f"not {ENCODING.upper()} text (a character is cut or damaged)"))
            ok = False
            continue
        if kind == "digits" and not (text.isascii() and text.isdigit()):
            problems.append(Problem(number, name, f"expected {width} digits, found {text!r}"))
            ok = False
        elif kind == "date":
            try:
                values[name] = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            except ValueError:
                problems.append(Problem(number, name, f"expected a date YYYYMMDD, found {text!r}"))
                ok = False
            continue
        values[name] = int(text) if kind == "digits" and ok else text
    if raw[offset:].strip(b" "):
        problems.append(Problem(number, "filler", "bytes after the last field must be spaces"))
        ok = False
    return values if ok else None


def _header(raw: bytes, problems: list[Problem]) -> Header | None:
    v = _fields(1, raw, HEADER, problems)
    if v is None:
        return None
    if v["version"] != VERSION:
        problems.append(Problem(1, "version", f"unsupported layout version {v['version']!r}"))
    if not uscc_valid(str(v["uscc"])):
        problems.append(Problem(1, "uscc", "not a valid unified social credit code"))
    for name in ("batch_id", "company_name", "payroll_account", "branch_id", "card_product"):
        if not v[name]:
            problems.append(Problem(1, name, "must not be empty"))
    return Header(str(v["batch_id"]), str(v["uscc"]), str(v["company_name"]), str(v["payroll_account"]),
                  str(v["branch_id"]), str(v["card_product"]), v["created_on"])  # type: ignore[arg-type]


def _detail(number: int, raw: bytes, problems: list[Problem]) -> Employee | None:
    if raw[:1] != b"D":
        problems.append(Problem(number, "record_type", "expected a detail record D"))
        return None
    v = _fields(number, raw, DETAIL, problems)
    if v is None:
        return None
    before = len(problems)
    if v["id_type"] != "01":
        problems.append(Problem(number, "id_type", "only 01 (resident ID card) is supported"))
    id_number = str(v["id_number"])
    if not id_number_valid(id_number):
        problems.append(Problem(number, "id_number", "not a valid resident ID number (check character or date)"))
    elif v["date_of_birth"] != date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])):
        problems.append(Problem(number, "date_of_birth", "does not match the ID number"))
    if v["sex"] not in ("M", "F") or (id_number_valid(id_number) and v["sex"] != "MF"[int(id_number[16]) % 2 == 0]):
        problems.append(Problem(number, "sex", "must be M or F and match the ID number"))
    if not v["name"]:
        problems.append(Problem(number, "name", "must not be empty"))
    mobile = str(v["mobile"])
    if not (len(mobile) == 11 and mobile.isascii() and mobile.isdigit() and mobile[0] == "1"):
        problems.append(Problem(number, "mobile", "expected an 11-digit mobile number"))
    if len(problems) != before:
        return None
    expiry = v["id_expiry"]
    return Employee(int(v["line"]), str(v["entry_id"]), str(v["name"]), id_number,  # type: ignore[arg-type]
                    None if expiry == LONG_TERM else expiry, str(v["sex"]), v["date_of_birth"],  # type: ignore[arg-type]
                    mobile, str(v["employee_number"]))


def _cross_checks(employees: list[tuple[int, Employee]], problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    last_line = 0
    for number, e in employees:
        if e.line <= last_line:
            problems.append(Problem(number, "line", "line numbers must increase"))
        last_line = e.line
        if e.id_number in seen:
            problems.append(Problem(number, "id_number", f"the same ID number as line {seen[e.id_number]}"))
        seen.setdefault(e.id_number, number)


def _trailer(number: int, raw: bytes, details: int, body: bytes, problems: list[Problem]) -> None:
    v = _fields(number, raw, TRAILER, problems)
    if v is None:
        return
    if v["count"] != details:
        problems.append(Problem(number, "count", f"says {v['count']} records, the file has {details}"))
    if v["sha256"] != hashlib.sha256(body).hexdigest():
        problems.append(Problem(number, "sha256", "the digest does not match the records before the trailer"))
