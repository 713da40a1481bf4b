"""The evidence a teller looks at: what the customer confirmed at the kiosk, each agreement and consent with the
digest of the text shown (and whether that is today's text), and the signature as drawn.

Who may look: a signed-in member of staff of the account's branch, still in the directory, whose role may find
customers (teller, lobby manager). Numbers are masked (the teller checks them against the ID card itself); the
signature is shown as the image the bank keeps. Reached by account, or by the appointment the counter found.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from starlette.responses import Response

from central_api_client.redaction import mask_id_number, mask_mobile
from central_service.auth.principal import Principal
from central_service.evidence.routes import evidence_store
from central_service.staff.roles import Permission
from central_service.staff.web_pages import NotSignedIn, signed_in
from central_service.web import PageError, PageRequest, Pages

HERE = Path(__file__).resolve().parent
AGREEMENT_TEXTS = HERE.parents[1] / "assets" / "agreements"  # the texts the kiosks show (one owner: assets/)
PAGES = Pages("evidence", HERE / "templates", HERE / "texts")
SIGN_IN = "/staff/sign-in"
SHOWN_FIELDS = ("name", "id_number", "date_of_birth", "phone", "occupation", "employer")


def _staff(req: PageRequest, branch_id: str | None) -> Principal | None:
    """The signed-in staff member allowed to see this branch's customers (the counter's rule); None when nobody
    (still active) is signed in. Raises PageError 403 for a role that may not find customers or another branch."""
    try:
        principal = signed_in(req, Permission.FIND_CUSTOMER)
    except NotSignedIn:
        return None
    except PageError:
        raise PageError(403, "evidence.not_allowed") from None
    if branch_id and branch_id != principal.branch_id:
        raise PageError(403, "evidence.not_allowed")
    return principal


@cache
def current_digest(item_id: str, locale: str) -> str | None:
    """SHA-256 of the text the kiosks show today for `item_id` in `locale`, or None if there is none."""
    path = AGREEMENT_TEXTS / f"{item_id}.{locale}.txt"
    if not path.is_file() or not item_id.replace("_", "").isalnum():
        return None
    return hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()


def _shown(evidence: dict[str, Any]) -> dict[str, Any]:
    """The page's view: confirmed data masked, each text marked current or earlier, the signature as a data URI."""
    data = evidence["confirmed_data"]
    confirmed = {k: data[k] for k in SHOWN_FIELDS if data.get(k)}
    if "id_number" in confirmed:
        confirmed["id_number"] = mask_id_number(confirmed["id_number"])
    if "phone" in confirmed:
        confirmed["phone"] = mask_mobile(confirmed["phone"])
    texts = [{"kind": "agreement", "id": a["agreement_id"], "locale": a["locale"], "digest": a["version_digest"],
              "at": a["accepted_at"]} for a in evidence["agreements"]]
    texts += [{"kind": "consent", "id": c["consent_id"], "locale": c["locale"], "digest": c["text_digest"],
               "at": c["given_at"]} for c in evidence["consents"]]
    for text in texts:
        text["current"] = current_digest(text["id"], text["locale"]) == text["digest"]
    signature = evidence["signature"]
    return {"account_id": evidence["account_id"], "recorded_at": evidence["recorded_at"], "confirmed": confirmed,
            "edited": set(evidence["edited_fields"]), "texts": texts,
            "signature": {"src": "data:image/png;base64," + signature["png"], "sha256": signature["png_sha256"],
                          "strokes": len(signature["strokes"]), "signed_at": signature["signed_at"]}}


@PAGES.page
def account_evidence(req: PageRequest) -> Response:
    store = evidence_store(req.central.store)
    evidence = store.read(req.param("account_id"))
    if _staff(req, evidence["branch_id"] if evidence else None) is None:
        return req.redirect(SIGN_IN)
    if evidence is None:
        raise PageError(404, "evidence.none")
    return req.render("evidence.html", items=[_shown(evidence)])


@PAGES.page
def appointment_evidence(req: PageRequest) -> Response:
    """Every account opened for the appointment (one, as a rule) with its evidence."""
    store = evidence_store(req.central.store)
    found = [store.read(a) for a in store.accounts_of_appointment(req.param("appointment_id"))]
    evidence = [e for e in found if e is not None]
    if _staff(req, evidence[0]["branch_id"] if evidence else None) is None:
        return req.redirect(SIGN_IN)
    if not evidence:
        raise PageError(404, "evidence.none")
    return req.render("evidence.html", items=[_shown(e) for e in evidence])


ROUTES = [
    ("/staff/accounts/{account_id}/evidence", "staffAccountEvidence", account_evidence, "GET"),
    ("/staff/appointments/{appointment_id}/evidence", "staffAppointmentEvidence", appointment_evidence, "GET"),
]
