"""The only SQL on the evidence tables (schema.py, issue 18's evidence block): record once, read back."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable
from typing import Any

from PIL import Image
from sqlalchemy import select

from central_service import schema as t
from central_service.crypto import cipher_for
from central_service.db import Database

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 4000  # pixels; the kiosk draws at most 800 x 320


class EvidenceError(Exception):
    """The evidence does not hold together (the signature's digest is not that of its PNG)."""


class EvidenceStore:
    """Evidence rows over the service's `Database`; writes join the caller's transaction (the opening's)."""

    def __init__(self, db: Database, *, now: Callable[[], str]) -> None:
        self.db, self.now = db, now
        self.fields = cipher_for(db)  # personal columns sealed at rest (issue 18, docs/security.md)

    def record(self, account_id: str, branch_id: str, kiosk_id: str, session_id: str,
               evidence: dict[str, Any], *, appointment_id: str | None = None) -> None:
        """Store `evidence` (contract JSON) against the account. Raises EvidenceError if the PNG's digest is wrong.

        Called inside the opening's transaction: the account and its evidence commit together or not at all.
        """
        signature = evidence["signature"]
        png = check(evidence)
        seal = self._sealer(account_id)
        with self.db.tx() as conn:
            conn.execute(t.account_evidence.insert().values(
                account_id=account_id, branch_id=branch_id, kiosk_id=kiosk_id, kiosk_session_id=session_id,
                appointment_id=appointment_id, recorded_at=self.now(),
                confirmed_data=seal("confirmed_data", _dumps(evidence["confirmed_data"])),
                edited_fields=seal("edited_fields", _dumps(evidence.get("edited_fields", []))),
                signature_png=self.fields.encrypt_bytes(png, _context("signature_png", account_id)),
                signature_sha256=signature["png_sha256"],
                signature_strokes=seal("signature_strokes", _dumps(signature["strokes"])),
                signed_at=signature["signed_at"]))
            rows = [{"account_id": account_id, "kind": "agreement", "item_id": a["agreement_id"],
                     "locale": a["locale"], "digest": a["version_digest"], "given_at": a["accepted_at"]}
                    for a in evidence["agreements"]]
            rows += [{"account_id": account_id, "kind": "consent", "item_id": c["consent_id"],
                      "locale": c["locale"], "digest": c["text_digest"], "given_at": c["given_at"]}
                     for c in evidence["consents"]]
            if rows:
                conn.execute(t.evidence_acceptances.insert(), _unique(rows))

    def accounts_of_session(self, kiosk_session_id: str) -> list[str]:
        """The accounts opened with evidence in one kiosk session (usually one)."""
        e = t.account_evidence
        with self.db.read() as conn:
            return list(conn.execute(select(e.c.account_id).where(e.c.kiosk_session_id == kiosk_session_id)
                                     .order_by(e.c.recorded_at)).scalars())

    def accounts_of_appointment(self, appointment_id: str) -> list[str]:
        """The accounts opened with evidence for one appointment (the counter looks a customer up by it)."""
        e = t.account_evidence
        with self.db.read() as conn:
            return list(conn.execute(select(e.c.account_id).where(e.c.appointment_id == appointment_id)
                                     .order_by(e.c.recorded_at)).scalars())

    def read(self, account_id: str) -> dict[str, Any] | None:
        """The evidence of one account as the read-back shows it (PNG base64), or None if it has none."""
        e, a = t.account_evidence, t.evidence_acceptances
        with self.db.read() as conn:
            row = conn.execute(select(e).where(e.c.account_id == account_id)).mappings().first()
            if row is None:
                return None
            items = conn.execute(select(a).where(a.c.account_id == account_id)
                                 .order_by(a.c.given_at, a.c.item_id)).mappings().all()
        opened = self._opener(account_id)
        png = self.fields.decrypt_bytes(row["signature_png"], _context("signature_png", account_id))
        return {
            "account_id": row["account_id"], "branch_id": row["branch_id"], "kiosk_id": row["kiosk_id"],
            "kiosk_session_id": row["kiosk_session_id"], "appointment_id": row["appointment_id"],
            "recorded_at": row["recorded_at"],
            "confirmed_data": json.loads(opened(row, "confirmed_data")),
            "edited_fields": json.loads(opened(row, "edited_fields")),
            "agreements": [{"agreement_id": i["item_id"], "locale": i["locale"], "version_digest": i["digest"],
                            "accepted_at": i["given_at"]} for i in items if i["kind"] == "agreement"],
            "consents": [{"consent_id": i["item_id"], "locale": i["locale"], "text_digest": i["digest"],
                          "given_at": i["given_at"]} for i in items if i["kind"] == "consent"],
            "signature": {"png": base64.b64encode(png).decode("ascii"), "png_sha256": row["signature_sha256"],
                          "strokes": json.loads(opened(row, "signature_strokes")),
                          "signed_at": row["signed_at"]},
        }


    def _sealer(self, account_id: str) -> Callable[[str, str], str]:
        return lambda column, value: self.fields.encrypt_field(value, _context(column, account_id))

    def _opener(self, account_id: str) -> Callable[[Any, str], str]:
        return lambda row, column: self.fields.decrypt_field(row[column], _context(column, account_id))


def _context(column: str, account_id: str) -> str:
    """Where a sealed evidence value belongs (its associated data): it opens in its own row and column only."""
    return f"account_evidence.{column}:{account_id}"


def check(evidence: dict[str, Any]) -> bytes:
    """The signature's PNG bytes once the evidence holds together. Raises EvidenceError if its digest is wrong
    or it is not a whole PNG image of a signature's size."""
    signature = evidence["signature"]
    try:
        png = base64.b64decode(signature["png"], validate=True)
    except ValueError:
        raise EvidenceError("the signature's png is not base64") from None
    if hashlib.sha256(png).hexdigest() != signature["png_sha256"]:
        raise EvidenceError("png_sha256 is not the SHA-256 of the signature's PNG")
    if not png.startswith(PNG_MAGIC) or not _drawable(png):
        raise EvidenceError("the signature's png is not a PNG image of a signature's size")
    return png


def _drawable(png: bytes) -> bool:
    """A whole PNG a person can look at (Pillow reads and verifies it), no larger than MAX_SIDE either way."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIDE:
                return False
            image.verify()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (kind, item): a text accepted twice (sign again) keeps its last acceptance."""
    return list({(r["kind"], r["item_id"]): r for r in rows}.values())
