"""Done-when of issue 18 (evidence): after a journey the bank reads back, for the account just opened, the
confirmed data with the kiosk's edits, each agreement's digest, each consent with its digest and time and the
signature image, and the kiosk's database holds none of it."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import load_script
from kiosk_app.flow.evidence import digest_of
from tests.journey.evidence_support import evidence_of_last_session, kiosk_db_text

SCRIPT = Path(__file__).resolve().parents[2] / "assets" / "journeys" / "evidence-read-back.toml"
AGREEMENTS = ("account_agreement", "e_banking_agreement", "privacy_notice")


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory):
    script = load_script(SCRIPT)
    with rehearsal(tmp_path_factory.mktemp("evidence"), script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        evidence = evidence_of_last_session(r)
        r.runtime.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        yield r, evidence, kiosk_db_text(r.cfg.paths.database)


def test_the_bank_reads_back_digests_consents_and_the_signature(journey) -> None:
    _, evidence, _ = journey
    assert [(a["agreement_id"], a["locale"], a["version_digest"]) for a in evidence["agreements"]] == [
        (name, "en", digest_of(name, "en")) for name in AGREEMENTS]
    assert [(c["consent_id"], c["locale"], c["text_digest"]) for c in evidence["consents"]] == [
        ("sensitive_consent", "en", digest_of("sensitive_consent", "en"))]
    times = [a["accepted_at"] for a in evidence["agreements"]] + [evidence["consents"][0]["given_at"]]
    assert times == sorted(times) and all(t.endswith("Z") for t in times)
    assert times[-1] <= evidence["signature"]["signed_at"]
    png = base64.b64decode(evidence["signature"]["png"])
    assert hashlib.sha256(png).hexdigest() == evidence["signature"]["png_sha256"]
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 100 and image.height > 50
    ink = sum(1 for value in image.tobytes() if value < 128)
    assert ink > 200  # the strokes are drawn, not an empty page
    assert evidence["signature"]["strokes"] == [[0, 70, 40, 10, 80, 50, 120, 0], [150, 40, 220, 30]]


def test_the_confirmed_data_carries_the_kiosk_edits(journey) -> None:
    r, evidence, _ = journey
    data = evidence["confirmed_data"]
    assert data["occupation"] == "30000" and data["phone"] == "13700001111"
    assert data["id_number"] == r.customer.id_number and data["name"] == r.customer.name
    assert sorted(evidence["edited_fields"]) == ["occupation", "phone"]


def test_the_kiosk_keeps_none_of_it(journey) -> None:
    r, evidence, text = journey
    signature = evidence["signature"]
    secrets = [signature["png"][:40], signature["png_sha256"], json.dumps(signature["strokes"]),
               "13700001111", r.customer.id_number]
    secrets += [a["version_digest"] for a in evidence["agreements"]]
    secrets += [c["text_digest"] for c in evidence["consents"]]
    assert r.customer.token and evidence["kiosk_session_id"] in text  # the scan does read the kiosk's rows
    assert [s for s in secrets if s in text] == []
    assert base64.b64decode(signature["png"])[:64].hex() not in text
    ctx = r.runtime.session.ctx
    assert ctx.evidence.signature is None and not ctx.evidence.agreements and not ctx.evidence.consents
