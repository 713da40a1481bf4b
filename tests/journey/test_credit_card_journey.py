"""The credit-card application at the kiosk: the product comes from the service's list (only those the customer's
age allows), the income band is chosen, and the application reaches the bank only with the credit-report
authorisation, whose digest and time are also part of the opening's evidence."""

from __future__ import annotations

from pathlib import Path

from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import load_script
from kiosk_app.flow.evidence import digest_of
from tests.journey.evidence_support import core_records, evidence_of_last_session

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"


def test_the_full_bundle_applies_for_the_chosen_card_with_the_authorisation(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "appointment-full-bundle.toml")
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        [application] = core_records(r, "credit_card")
        assert application["product_code"] == "CC-GOLD" and application["annual_income_band"] == "100k_300k"
        authorisation = application["credit_report_authorisation"]
        assert authorisation["consent_id"] == "credit_report_authorisation"
        assert authorisation["text_digest"] == digest_of("credit_report_authorisation", "zh_CN")
        consents = {c["consent_id"]: c for c in evidence_of_last_session(r)["consents"]}
        assert consents["credit_report_authorisation"]["text_digest"] == authorisation["text_digest"]
        assert consents["credit_report_authorisation"]["given_at"] == authorisation["given_at"]


def test_without_the_authorisation_nothing_is_applied_for(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "credit-card-declined.toml")
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        assert core_records(r, "credit_card") == []
        thanks = [s for s in r.screens.screens if s.step_id == "thank_you"][-1]
        assert "credit_card" not in thanks.data["services"]
        assert "credit_report_authorisation" not in {c["consent_id"] for c in evidence_of_last_session(r)["consents"]}


def test_a_young_adult_is_offered_only_the_cards_their_age_allows(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "credit-card-declined.toml")
    setup = script.setup.model_copy(update={"customer": script.setup.customer.model_copy(update={"age": 19})})
    with rehearsal(tmp_path, setup) as r:
        runner = Runner(r, script.model_copy(update={"setup": setup}))
        upto = next(i for i, s in enumerate(script.steps) if getattr(s, "screen", None) == "credit_card_product")
        for step in script.steps[:upto + 1]:
            getattr(runner, step.do)(step)
        offered = [p["code"] for p in r.runtime.session.screen.data["products"]]
        assert offered and "CC-TRAVEL" not in offered  # the travel card is for 21 and older
