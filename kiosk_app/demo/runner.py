"""Run a journey script against a rehearsal kiosk and report what happened: screens, touches, journal.

Steps act the way people do: the customer shows a QR code to the scanner emulator, puts a card on the
reader emulator, touches screen actions, presses keys on the PIN pad emulator and takes the card from the
dispenser's gate; the phone submits the walk-in form over HTTP; staff log in on the kiosk.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from central_api_client import journey_models as jm
from central_api_client.models import RiskAnswer, RiskQuestionnaire, Services, TaxResidency
from central_api_client.phone import PhoneClient
from central_api_client.redaction import mask_mobile
from central_api_client.risk import QUESTIONNAIRE_ID
from drivers.printer import PaperState
from drivers.status import MediaState
from kiosk_app.demo import script as sc
from kiosk_app.demo.environment import OTHER_BRANCH, Rehearsal, expired_token, rehearsal
from kiosk_app.flow.events import StaffAuth, StaffDecision, Tick, Touch
from kiosk_app.store.appointments import appointment_status
from sync_agent import journal


class StepFailed(AssertionError):
    """A script step did not happen as the script expected; the message names the step."""


@dataclass
class RunReport:
    name: str
    outcome: str
    screens: list[str]
    touches: int
    journal: list[str] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# (state, action) touches that may start card issuance, which blocks until the script types the PIN.
ISSUING_TOUCHES = {("services", "confirm"), ("credit_card_product", "skip"), ("credit_report_consent", "consent"),
                   ("credit_report_consent", "no_consent"), ("ebanking_sms", "confirm")}


class Runner:
    def __init__(self, r: Rehearsal, script: sc.Script, *, step_timeout: float = 30.0) -> None:
        self.r, self.script, self.timeout = r, script, step_timeout
        self.mark = 0
        self.last_token: str | None = None

    # --- helpers -----------------------------------------------------------------------------------------
    def _idle(self) -> None:
        if not self.r.runtime.host.wait_idle(self.timeout):
            raise StepFailed(f"the kiosk is still busy after {self.timeout} s")

    def _wait(self, step_id: str, timeout: float | None = None) -> None:
        if self.r.screens.wait_for(step_id, self.mark, timeout or self.timeout) is None:
            shown = [s.step_id for s in self.r.screens.screens[self.mark:]]
            raise StepFailed(f"screen {step_id!r} did not appear (shown: {shown})")

    def _post(self, event: Any) -> None:
        self.mark = len(self.r.screens.screens)
        self.r.runtime.host.post(event)

    # --- steps -------------------------------------------------------------------------------------------
    def scan(self, step: sc.Scan) -> None:
        text = {
            "appointment": lambda: self.r.customer.token,
            "replay": lambda: self.r.customer.token,
            "garbage": lambda: "HELLO-NOT-A-TOKEN",
            "expired": lambda: expired_token(self.r.central, self.r.customer.appointment["id"]),
            "other_branch": lambda: self.r.central.admin.token_for(
                self.r.central.admin.create_appointment(OTHER_BRANCH)["id"]),
        }[step.token]()
        self.mark = len(self.r.screens.screens)
        self.r.sims.scanner.show(text)
        self._idle_after_device()

    def _idle_after_device(self) -> None:
        """A device event travels emulator -> pty -> driver thread -> host; wait until the host handled it."""
        deadline = time.monotonic() + self.timeout
        while len(self.r.screens.screens) == self.mark and time.monotonic() < deadline:
            time.sleep(0.01)
        self._idle()

    def place_id_card(self, step: sc.PlaceIdCard) -> None:
        """Put the card on the reader, wait for the kiosk to react, take it back, wait for the reader to notice."""
        self.mark = len(self.r.screens.screens)
        self.r.sims.idcard.place_card(self.r.customer.card(matching=step.matching))
        self._idle_after_device()
        self.r.sims.idcard.remove_card()
        deadline = time.monotonic() + self.timeout
        while self.r.devices.idcard.media is MediaState.PRESENT and time.monotonic() < deadline:
            time.sleep(0.02)

    def touch(self, step: sc.TouchStep) -> None:
        starts_issuance = (self.r.runtime.session.state.value, step.action) in ISSUING_TOUCHES
        self._post(Touch(step.action, step.value))
        if not starts_issuance:  # issuance waits for the script's PIN and card steps: do not wait for idle
            self._idle()

    def pin(self, step: sc.Pin) -> None:
        self._wait(step.prompt)
        self.r.sims.pinpad.press(*step.keys)

    def sms_code(self, step: sc.SmsCode) -> None:
        """Read the newest text to the customer's confirmed number and type its code (or a wrong one)."""
        self._idle()
        phone = str(self.r.runtime.session.ctx.customer.get("phone") or "")
        message = self.r.central.central.sms.last(phone)
        found = re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", message.body) if message else None
        if found is None:
            raise StepFailed(f"no code was texted to {mask_mobile(phone)}")
        code = f"{(int(found.group(0)) + 1) % 10**6:06d}" if step.wrong else found.group(0)
        self._post(Touch("confirm", code))
        if step.wrong:  # a right code goes on to the login password on the PIN pad: the next step types it
            self._idle()

    def take_card(self, step: sc.TakeCard) -> None:
        deadline = time.monotonic() + self.timeout
        while self.r.sims.dispenser.snapshot()["gate"] is None:
            if time.monotonic() > deadline:
                raise StepFailed("no card was presented at the gate")
            time.sleep(0.02)
        self.r.sims.dispenser.take_card()
        self._idle()

    def phone_submit(self, step: sc.PhoneSubmit) -> None:
        self._wait("walk_in_form")
        url = self.r.runtime.session.ctx.form_url
        services = {"debit_card": True} | {s: True for s in step.services}
        submission = jm.WalkInSubmission(
            phone=step.phone, address="北京市朝阳区建国路88号", occupation=step.occupation,
            tax_residency=TaxResidency(status="china_only", declared_at=datetime.now(UTC)),
            services=Services(**services),
            risk_questionnaire=RiskQuestionnaire(
                questionnaire_id=QUESTIONNAIRE_ID, answered_at=datetime.now(UTC),
                answers=[RiskAnswer(question_id=q, answer=a) for q, a in step.risk_answers.items()]),
        )
        self.mark = len(self.r.screens.screens)
        with PhoneClient(self.r.central.url) as phone:  # the customer's phone; the kiosk long-polls for it
            phone.submit_walk_in_form(url, submission)
        self._wait("review")
        self._idle()

    def staff_login(self, step: sc.StaffLogin) -> None:
        self._post(StaffAuth(step.staff_id, step.pin))
        self._idle()

    def staff_decision(self, step: sc.StaffDecisionStep) -> None:
        self._post(StaffDecision(step.approve, "scripted"))
        self._idle()

    def wait(self, step: sc.Wait) -> None:
        self._wait(step.screen, step.timeout_s)

    def expect(self, step: sc.Expect) -> None:
        self._idle()
        screen = self.r.runtime.session.screen
        if screen.step_id != step.screen or (step.error and screen.errors.get("base") != step.error):
            raise StepFailed(f"expected {step.screen}/{step.error}, kiosk shows {screen.step_id}/{dict(screen.errors)}")

    def expect_event(self, step: sc.ExpectEvent) -> None:
        self._idle()
        entries = journal.entries(self.r.runtime.db)
        for entry in entries:
            if entry.kind == step.kind and all(entry.record.get(k) == v for k, v in step.fields.items()):
                return
        kinds = sorted({e.kind for e in entries})
        raise StepFailed(f"no {step.kind} event with {step.fields} in the journal (kinds: {kinds})")

    def idle(self, step: sc.Idle) -> None:
        for _ in range(step.seconds):
            self.r.clock.offset += 1
            self.r.runtime.host.post(Tick())
        self._idle()

    def fault(self, step: sc.Fault) -> None:
        getattr(self, f"_fault_{step.device}")(step)

    def _fault_dispenser(self, step: sc.Fault) -> None:
        self.r.sims.dispenser.inject(step.fault, step.count)

    def _fault_central(self, step: sc.Fault) -> None:
        self.r.central.admin.arm_fault(step.route, step.fault, **step.central_params())

    def _fault_pinpad(self, step: sc.Fault) -> None:
        """cancel: the customer presses the pad's cancel key once asked for the PIN; timeout: the entry runs
        out; tamper: the pad's tamper switch trips (its keys are erased)."""
        if step.fault == "tamper":
            self.r.sims.pinpad.set_tamper()
            return
        self._wait("pin_first")
        if step.fault == "cancel":
            self.r.sims.pinpad.press("cancel")
        else:
            self.r.sims.pinpad.expire_entry()

    def _fault_printer(self, step: sc.Fault) -> None:
        if step.fault == "paper_out":
            self.r.sims.printer.set_paper(PaperState.OUT)
        else:
            self.r.sims.printer.set_cover_open(True)

    def _fault_idcard(self, step: sc.Fault) -> None:
        """The next card placed slips off the reader during the read (the SAM answers "read failed")."""
        self.r.sims.idcard.remove_during_read()

    def cancel_appointment(self, step: sc.CancelAppointment) -> None:
        """Cancel in the bank, then wait (bounded) until the sync agent's copy on the kiosk says so."""
        appointment_id = self.r.customer.appointment["id"]
        self.r.central.admin.cancel_appointment(appointment_id)
        deadline = time.monotonic() + step.timeout_s
        while time.monotonic() < deadline:
            if appointment_status(self.r.runtime.db, appointment_id) == "cancelled":
                return
            time.sleep(0.05)
        raise StepFailed(f"the cancellation did not reach the kiosk within {step.timeout_s} s")

    def run(self) -> None:
        for index, step in enumerate(self.script.steps, 1):
            try:
                getattr(self, step.do)(step)
            except StepFailed as exc:
                raise StepFailed(f"step {index} ({step.do}): {exc}") from exc
        self._central_faults_spent()

    def _central_faults_spent(self) -> None:
        """A central fault the journey never reached proves nothing: the script is wrong, say so."""
        routes = {s.route for s in self.script.steps if isinstance(s, sc.Fault) and s.device == "central"}
        left = sorted(routes & set(self.r.central.admin.stats()["faults_armed"]))
        if left:
            raise StepFailed(f"central faults armed but not (fully) fired on {left}")


def run_script(script: sc.Script, workdir: Path) -> RunReport:
    """Start a rehearsal kiosk, run the script, and report; the outcome must match the script's."""
    started = time.perf_counter()
    with rehearsal(workdir, script.setup) as r:
        problems: list[str] = []
        try:
            Runner(r, script).run()
        except StepFailed as exc:
            problems.append(str(exc))
        r.runtime.host.wait_idle(10)
        entries = journal.entries(r.runtime.db)
        ended = [e for e in entries if e.kind == "session_ended"]
        outcome = ended[-1].record["outcome"] if ended else "none"
        if outcome != script.outcome:
            problems.append(f"outcome {outcome!r}, script expects {script.outcome!r}")
        touches = sum(e.record.get("touches", 0) for e in ended)
        lines = [f"{e.seq:4d} {e.at[11:23]} {e.kind:<22} {_summary(e.record)}" for e in entries]
        screens = [s.step_id for s in r.screens.screens]
        return RunReport(script.name, outcome, screens, touches, lines, time.perf_counter() - started, problems)


def _summary(record: dict[str, Any]) -> str:
    skip = {"kiosk_id"}
    return " ".join(f"{k}={v}" for k, v in record.items() if k not in skip)[:140]
