#!/usr/bin/env python3
"""Find unmasked personal data in files: Chinese resident ID numbers (valid check digit), bank card numbers
(UnionPay 62… of 16-19 digits; other payment-card prefixes of 13-19 digits passing Luhn), and mainland mobile
numbers. Reads text files, SQLite databases (every text cell) and the printable runs inside other binaries.

The project's copy of the shared `pii-scan.py` (../shared/tools), so that CI, which sees only this repository,
runs it (`tests/security/test_pii_scan.py`). One deliberate difference: every pattern needs a boundary that is
not a letter or digit on both sides (the shared tool asks that only of ID numbers), as the project's own
masking rules do (central_api_client/redaction.py). Without it, the decimal runs inside hex digests (the
journal's hash chain: about 1 hash in 500 holds "1[3-9]" and nine more digits in a row) are reported as mobile
numbers, and a CI check that fails at random is no check.

usage: pii_scan.py PATH...        exit 1 when anything is found, printing file, kind and a masked sample
       pii_scan.py --allow FILE   a file of exact values that may appear (e.g. a test fixture's own data)
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from collections.abc import Iterator

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
ID_RE = re.compile(_B + r"([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx])" + _E)
CARD_RE = re.compile(_B + r"((?:62|4|5[1-5]|3[47])\d{11,17})" + _E)
PHONE_RE = re.compile(_B + r"(1[3-9]\d{9})" + _E)
SKIP_DIRS = ("/.git", "/.venv", "__pycache__", "node_modules")


def id_ok(s: str) -> bool:
    return "10X98765432"[sum(int(a) * b for a, b in zip(s[:17], W, strict=False)) % 11] == s[17].upper()


def luhn(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def findings(text: str) -> Iterator[tuple[str, str]]:
    for m in ID_RE.finditer(text):
        if id_ok(m.group(1)):
            yield "id-number", m.group(1)
    for m in CARD_RE.finditer(text):
        v = m.group(1)
        unionpay = v.startswith("62") and len(v) >= 16  # flagged with or without a Luhn check digit
        if 13 <= len(v) <= 19 and (unionpay or luhn(v)) and not ID_RE.fullmatch(v):
            yield "card-number", v
    for m in PHONE_RE.finditer(text):
        yield "mobile", m.group(1)


def mask(v: str) -> str:
    return v[:3] + "*" * (len(v) - 5) + v[-2:]


def texts(path: str) -> Iterator[tuple[str, str]]:
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for (name,) in con.execute("select name from sqlite_master where type='table'"):
                for row in con.execute(f'select * from "{name}"'):
                    for cell in row:
                        if isinstance(cell, str):
                            yield name, cell
                        elif isinstance(cell, bytes):
                            yield name, cell.decode("utf-8", "ignore")
        finally:
            con.close()
        return
    with open(path, "rb") as f:
        yield "", f.read().decode("utf-8", "ignore")


def files_under(root: str) -> list[str]:
    if os.path.isfile(root):
        return [root]
    return [os.path.join(d, f) for d, _dirs, fs in os.walk(root) for f in fs if not any(p in d for p in SKIP_DIRS)]


def scan(roots: list[str], allow: frozenset[str] = frozenset()) -> list[str]:
    """One line per unmasked value found under `roots`: "path[:table]: kind masked-sample"."""
    found = []
    for root in roots:
        for p in files_under(root):
            try:
                for where, text in texts(p):
                    for kind, v in findings(text):
                        if v not in allow:
                            found.append(f"{p}{':' + where if where else ''}: {kind} {mask(v)}")
            except (OSError, sqlite3.Error):
                continue
    return found


def main(argv: list[str]) -> int:
    allow: frozenset[str] = frozenset()
    if len(argv) > 1 and argv[0] == "--allow":
        with open(argv[1], encoding="utf-8") as f:
            allow = frozenset(line.strip() for line in f if line.strip())
        argv = argv[2:]
    found = scan(argv, allow)
    for line in found:
        print(line)
    print(f"{len(found)} unmasked value(s) found")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
