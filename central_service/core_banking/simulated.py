"""A simulated core bank for demos and tests, with the rules the kiosk must handle: identity outcomes (per
person, or from the ID number's check character), the blocklist, Class I only after a lobby manager's on-site
check and only one per person, no credit card under 18, scripted outages.

Its state lives in its own tables (core_people, core_records) of the service's store; a real adapter keeps
none of this.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite

from central_service import schema as t
from central_service.core_banking import CoreRefusal, CoreUnavailable
from central_service.ids import id_number_valid
from central_service.store import Store, new_id
from central_service.timefmt import iso

# The simulated bank's credit cards (a real core answers with the bank's own). "standard-debit-linked" is the
# product kiosks older than the product list send.
CREDIT_CARD_PRODUCTS = (
    {"product_code": "standard-debit-linked", "name_zh": "标准信用卡", "name_en": "Standard credit card",
     "annual_fee_cny": 0, "min_age": 18},
    {"product_code": "CC-GOLD", "name_zh": "金卡", "name_en": "Gold card", "annual_fee_cny": 300, "min_age": 18},
    {"product_code": "CC-TRAVEL", "name_zh": "旅行联名卡", "name_en": "Travel card", "annual_fee_cny": 200,
     "min_age": 21},
)


def _mask_pan(pan: str) -> str:
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def _age(born: str, today: date) -> int:
    birth = date.fromisoformat(born)
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class SimulatedCore:
    """The core-banking port over the service's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._outages: Counter[str] = Counter()
        self._lock = threading.Lock()

    # --- scripting (admin) ---------------------------------------------------------------------------------

    def fail_next(self, operation: str, times: int = 1) -> None:
        """The next `times` calls of `operation` (a method name, or "*") raise CoreUnavailable."""
        with self._lock:
            self._outages[operation] += times

    def _check_outage(self, operation: str) -> None:
        with self._lock:
            for name in (operation, "*"):
                if self._outages[name] > 0:
                    self._outages[name] -= 1
                    raise CoreUnavailable(f"core bank unavailable for {operation}")

    def person(self, id_number: str, *, for_update: bool = False) -> dict[str, Any]:
        """The person's rules; `for_update` (inside a transaction) creates the row if needed and locks it until
        commit, so two concurrent Class I openings for one person cannot both pass the one-Class-I check."""
        p = t.core_people
        person_key = self.store.fields.index_of(id_number)  # the table holds a keyed hash, never the number
        query = select(p.c.blocklisted, p.c.holds_class1, p.c.outcome).where(p.c.id_number == person_key)
        with self.store.db.read() as conn:
            if for_update:
                conn.execute(self._insert_people().values(id_number=person_key, blocklisted=False, holds_class1=False)
                             .on_conflict_do_nothing())
                query = query.with_for_update()
            row = conn.execute(query).first()
        blocklisted, holds, outcome = row or (False, False, None)
        return {"blocklisted": bool(blocklisted), "holds_class1": bool(holds), "outcome": outcome}

    def _insert_people(self) -> Any:
        return (postgresql.insert if self.store.db.is_postgres else sqlite.insert)(t.core_people)

    def set_person(self, id_number: str, **rules: Any) -> None:
        current = {**self.person(id_number), **rules}
        values = {"id_number": self.store.fields.index_of(id_number), "blocklisted": bool(current["blocklisted"]),
                  "holds_class1": bool(current["holds_class1"]), "outcome": current["outcome"]}
        with self.store.db.tx() as conn:
            conn.execute(self._insert_people().values(**values)
                         .on_conflict_do_update(index_elements=["id_number"], set_=values))

    # --- records -------------------------------------------------------------------------------------------

    def _put(self, kind: str, record_id: str, branch_id: str, body: dict[str, Any], ref: str | None = None) -> None:
        with self.store.db.tx() as conn:
            sealed = self.store.fields.encrypt_field(json.dumps(body, ensure_ascii=False), _context(record_id))
            conn.execute(t.core_records.insert().values(id=record_id, branch_id=branch_id, kind=kind, ref=ref,
                                                        body=sealed, created_at=self.store.now()))

    def _get(self, kind: str, record_id: str, branch_id: str, what: str, *, for_update: bool = False) -> dict[str, Any]:
        """A record of this branch only (another branch's is as good as absent); `for_update` locks it to the
        commit. Raises CoreRefusal 404."""
        r = t.core_records
        query = select(r.c.body).where(and_(r.c.kind == kind, r.c.id == record_id, r.c.branch_id == branch_id))
        with self.store.db.read() as conn:
            body = conn.execute(query.with_for_update() if for_update else query).scalar_one_or_none()
        if body is None:
            raise CoreRefusal(404, "not-found", f"no such {what} in this branch")
        return json.loads(self.store.fields.decrypt_field(body, _context(record_id)))

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Every record of `kind` (credit_card, mobile_banking, ...), oldest first: what the bank keeps."""
        r = t.core_records
        with self.store.db.read() as conn:
            rows = conn.execute(select(r.c.id, r.c.body).where(r.c.kind == kind).order_by(r.c.created_at)).all()
        return [json.loads(self.store.fields.decrypt_field(body, _context(record_id))) for record_id, body in rows]

    def count(self, kind: str) -> int:
        return self.store.count("core_records", kind=kind)

    # --- the port ------------------------------------------------------------------------------------------

    def verify_identity(self, branch_id: str, document: dict[str, Any], *, with_face: bool) -> dict[str, Any]:
        self._check_outage("verify_identity")
        rules = self.person(document["id_number"])
        outcome, reasons = rules["outcome"] or "match", []
        if rules["outcome"] is None and document["id_type"] == "resident_id" and not id_number_valid(
                document["id_number"]):
            outcome, reasons = "no_match", ["document_not_found"]
        elif outcome == "no_match":
            reasons = ["face_mismatch" if with_face else "document_not_found"]
        elif outcome == "needs_staff":
            reasons = ["face_low_quality" if with_face else "no_face_image"]
        answer = {"verification_id": new_id("ver"), "outcome": outcome, "blocklisted": rules["blocklisted"],
                  "holds_class1_account": rules["holds_class1"], "verified_at": self.store.now()}
        if reasons:
            answer["reasons"] = reasons
        record = {**answer, "id_number": document["id_number"], "date_of_birth": document["date_of_birth"]}
        self._put("verification", answer["verification_id"], branch_id, record)
        return answer

    def open_account(self, branch_id: str, request: dict[str, Any]) -> dict[str, Any]:
        self._check_outage("open_account")
        verification = self._get("verification", request["verification_id"], branch_id, "identity verification")
        usable = verification["outcome"] == "match" or (
            verification["outcome"] == "needs_staff" and "staff_approval" in request)
        if not usable:
            raise CoreRefusal(422, "account-refused", "the identity verification does not allow an account")
        with self.store.db.tx():  # joins the request's transaction: the person stays locked until it commits
            return self._open(branch_id, request, verification)

    def _open(self, branch_id: str, request: dict[str, Any], verification: dict[str, Any]) -> dict[str, Any]:
        person = self.person(verification["id_number"], for_update=request["account_class"] == "I")
        if person["blocklisted"]:
            raise CoreRefusal(422, "account-refused", "refused by the bank's rules; a member of staff will explain")
        if request["account_class"] == "I":
            if "on_site_check" not in request:
                raise CoreRefusal(422, "on-site-check-required", "a Class I account needs a lobby manager's check")
            if person["holds_class1"]:
                raise CoreRefusal(409, "class1-account-exists", "the customer already holds a Class I account here")
        account = {"account_id": new_id("acc"), "account_class": request["account_class"],
                   "account_number_masked": "6217" + "*" * 11 + f"{secrets.randbelow(10000):04d}",
                   "card_pan_masked": _mask_pan(request["card"]["pan"]), "opened_at": self.store.now()}
        record = {**account, "verification_id": request["verification_id"]}
        person = self.store.fields.index_of(verification["id_number"])
        self._put("account", account["account_id"], branch_id, record, ref=person)
        if request["account_class"] == "I":
            self.set_person(verification["id_number"], holds_class1=True)
        return account

    def set_pin(self, branch_id: str, account_id: str, key_id: str) -> dict[str, Any]:
        self._check_outage("set_pin")
        self._get("account", account_id, branch_id, "account")
        answer = {"status": "pin_set", "set_at": self.store.now()}
        self._put("pin", new_id("pin"), branch_id, {"key_id": key_id, **answer}, ref=account_id)
        return answer

    def activate(self, branch_id: str, service: str, account_id: str, *,
                 credential_key_id: str | None = None) -> dict[str, Any]:
        self._check_outage("activate")
        r = t.core_records
        with self.store.db.tx() as conn:
            self._get("account", account_id, branch_id, "account", for_update=True)  # one activation at a time
            found = conn.execute(select(r.c.id, r.c.body)
                                 .where(and_(r.c.kind == service, r.c.ref == account_id))).first()
            if found:
                return json.loads(self.store.fields.decrypt_field(found.body, _context(found.id)))
            answer = {"service": service, "status": "activated", "activated_at": self.store.now(),
                      "reference": new_id("ref")}
            self._put(service, answer["reference"], branch_id, {**answer, "credential_key_id": credential_key_id},
                      ref=account_id)
        return answer

    def record_risk_assessment(self, branch_id: str, request: dict[str, Any]) -> dict[str, Any]:
        self._check_outage("record_risk_assessment")
        self._get("verification", request["verification_id"], branch_id, "identity verification")
        recorded = self.store.clock()
        answer = {"assessment_id": new_id("ras"), "level": request["level"], "recorded_at": iso(recorded),
                  "valid_until": (recorded.date() + timedelta(days=365)).isoformat()}
        self._put("risk", answer["assessment_id"], branch_id, {**request, **answer})
        return answer

    def credit_card_products(self, branch_id: str) -> list[dict[str, Any]]:
        self._check_outage("credit_card_products")
        return [dict(p) for p in CREDIT_CARD_PRODUCTS]

    def apply_credit_card(self, branch_id: str, request: dict[str, Any]) -> dict[str, Any]:
        self._check_outage("apply_credit_card")
        product = next((p for p in CREDIT_CARD_PRODUCTS if p["product_code"] == request["product_code"]), None)
        if product is None:
            raise CoreRefusal(422, "unknown-product", "no such credit-card product")
        authorisation = request.get("credit_report_authorisation")
        if authorisation is not None and authorisation["consent_id"] != "credit_report_authorisation":
            raise CoreRefusal(422, "credit-report-authorisation-required",
                              "the authorisation given is not the credit-report authorisation")
        verification = self._get("verification", request["verification_id"], branch_id, "identity verification")
        self._get("account", request["account_id"], branch_id, "account")
        if _age(verification["date_of_birth"], self.store.clock().date()) < max(18, product["min_age"]):
            raise CoreRefusal(422, "credit-card-refused", "no credit-card application under 18")
        answer = {"application_id": new_id("cca"), "status": "received", "received_at": self.store.now()}
        self._put("credit_card", answer["application_id"], branch_id, {**request, **answer})
        return answer

    def bind_wechat(self, branch_id: str, account_id: str) -> dict[str, Any]:
        self._check_outage("bind_wechat")
        self._get("account", account_id, branch_id, "account")
        binding_id = new_id("wxb")
        answer = {"binding_id": binding_id, "url": f"https://wx.bank.example/bind/{binding_id}",
                  "expires_at": iso(self.store.clock() + timedelta(minutes=10))}
        self._put("wechat", binding_id, branch_id, answer, ref=account_id)
        return answer

    # --- payroll batches -----------------------------------------------------------------------------------

    def open_accounts_batch(self, branch_id: str, batch_ref: str, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self._check_outage("open_accounts_batch")
        return [self._open_one_of_batch(branch_id, batch_ref, person) for person in people]

    def _open_one_of_batch(self, branch_id: str, batch_ref: str, person: dict[str, Any]) -> dict[str, Any]:
        key = f"{batch_ref}.{person['ref']}"
        r = t.core_records
        with self.store.db.tx() as conn:
            found = conn.execute(select(r.c.body).where(and_(r.c.kind == "batch_item", r.c.id == key))).first()
            if found:
                return json.loads(self.store.fields.decrypt_field(found[0], _context(key)))
            try:
                self._check_outage("open_accounts_batch.person")
            except CoreUnavailable:
                return {"ref": person["ref"], "status": "unavailable", "slug": "core-unavailable",
                        "detail": "the core did not answer for this person; retry"}
            if self.person(person["id_number"])["blocklisted"]:
                answer = {"ref": person["ref"], "status": "refused", "slug": "account-refused",
                          "detail": "refused by the bank's rules"}
            else:
                account = {"account_id": new_id("acc"), "account_class": "II",
                           "account_number_masked": "6217" + "*" * 11 + f"{secrets.randbelow(10000):04d}",
                           "opened_at": self.store.now()}
                person_key = self.store.fields.index_of(person["id_number"])
                self._put("account", account["account_id"], branch_id,
                          {**account, "id_number_hash": person_key, "batch": batch_ref}, ref=person_key)
                answer = {"ref": person["ref"], "status": "opened", "account": account}
            self._put("batch_item", key, branch_id, answer, ref=batch_ref)
        return answer

    def bind_card(self, branch_id: str, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
        self._check_outage("bind_card")
        verification = self._get("verification", request["verification_id"], branch_id, "identity verification")
        account = self._get("account", account_id, branch_id, "account")
        if verification["outcome"] != "match" and "staff_approval" not in request:
            raise CoreRefusal(422, "account-refused", "the identity verification does not allow an account")
        if account.get("id_number_hash") != self.store.fields.index_of(verification["id_number"]):
            raise CoreRefusal(422, "account-refused", "the verified person does not hold this account")
        bound = {key: account[key] for key in ("account_id", "account_class", "account_number_masked", "opened_at")}
        bound["card_pan_masked"] = _mask_pan(request["card"]["pan"])
        self._put("card_binding", new_id("cb"), branch_id, bound, ref=account_id)
        return bound


__all__ = ["SimulatedCore"]


def _context(record_id: str) -> str:
    """Where a core record's body is sealed (its associated data): the body opens in its own row only."""
    return f"core_records.body:{record_id}"
