"""The signature as the touchscreen hands it over (any JSON the UI could post): either a typed SignatureInvalid,
or strokes inside the contract's limits and a PNG that shows them; the service's check refuses a PNG that is not
one or is not its digest."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from central_api_client.evidence_models import SignatureEvidence
from central_service.evidence.store import EvidenceError, check
from kiosk_app.flow.evidence import SignatureInvalid, draw_png, normalise

numbers = st.one_of(st.integers(-10**7, 10**7), st.floats(allow_nan=True, allow_infinity=True), st.booleans())
strokes = st.lists(st.lists(numbers, max_size=12), max_size=6)
anything = st.one_of(st.none(), st.text(max_size=5), st.integers(), strokes,
                     st.lists(st.one_of(st.text(max_size=3), st.none()), max_size=3))


@settings(max_examples=300, deadline=None)
@given(anything)
def test_any_input_is_a_signature_or_a_typed_error(raw: object) -> None:
    try:
        kept = normalise(raw)
    except SignatureInvalid:
        return
    assert 1 <= len(kept) <= 200
    for stroke in kept:
        assert 2 <= len(stroke) <= 4000 and len(stroke) % 2 == 0
        assert all(isinstance(v, int) and 0 <= v <= 10000 for v in stroke)
    png = draw_png(kept)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    SignatureEvidence(png=base64.b64encode(png).decode(), png_sha256=hashlib.sha256(png).hexdigest(),
                      strokes=kept, signed_at="2026-12-01T09:00:00Z")  # the contract's model accepts it


def test_a_long_stroke_is_thinned_to_the_contracts_limit_and_still_drawn() -> None:
    long = [float(v) for i in range(5000) for v in (i % 700, 300 + (i % 50))]
    [kept] = normalise([long])
    assert len(kept) <= 4000
    image = Image.open(io.BytesIO(draw_png([kept])))
    assert image.width <= 800 and image.height <= 320
    assert sum(1 for v in image.tobytes() if v < 128) > 500


@pytest.mark.parametrize("raw", [[], [[]], [[1.0]], [[1.0, 2.0, 3.0]], [[float("nan"), 1.0]], "strokes",
                                 [[True, False]], [[1e12, 0.0]], [[0.0, 0.0]] * 201])
def test_what_is_not_a_signature_says_so(raw: object) -> None:
    with pytest.raises(SignatureInvalid):
        normalise(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.binary(max_size=40))
def test_the_service_refuses_a_signature_that_is_not_its_png(text: str, blob: bytes) -> None:
    for png in (text, base64.b64encode(blob).decode()):
        evidence = {"signature": {"png": png, "png_sha256": hashlib.sha256(blob).hexdigest()}}
        with pytest.raises(EvidenceError):
            check(evidence)
