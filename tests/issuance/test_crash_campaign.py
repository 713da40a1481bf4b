"""SIGKILL the issuing process at every journal point and at random moments; restart, recover, check.

After every run: every card in exactly one place (stack, bin, customer), the kiosk's stack and bin counts
equal to the hardware's, no card bound twice, no customer holding an unbound or someone else's card, the
journal chain intact (see `issuance_helpers.check_invariants`). Default: a short version (~14 runs).
`KIOSK_LONG=1`: every journal point of both paths plus random kills (also during recovery), >= 200 runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from campaign import Campaign

LONG_RUNS = 200


@pytest.fixture
def campaign(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Campaign]:
    cards = LONG_RUNS + 40 if request.node.get_closest_marker("long") else 30
    camp = Campaign(tmp_path, cards)
    yield camp
    camp.close()


def _enumerate(campaign: Campaign) -> tuple[list[str], list[str], float]:
    """Clean runs of both paths: the journal points each reaches, and how long an issuing child lives."""
    started = time.monotonic()
    take = campaign.issue_and_recover(customer="take")
    duration = time.monotonic() - started
    leave = campaign.issue_and_recover(customer="walk_away")
    assert take.lines[-1] == "OUT card_issued customer", take.lines
    assert leave.lines[-1] == "OUT card_retained_not_taken bin", leave.lines
    assert take.points[-3:] == ["pre:issuance.taken", "in:issuance.taken", "post:issuance.taken"]
    assert leave.points[-1] == "post:issuance.retract.done"
    return take.points, leave.points, duration


def test_short_crash_campaign(campaign: Campaign) -> None:
    take, leave, duration = _enumerate(campaign)
    chosen = [(k, "take") for k in range(1, len(take) + 1, 4)]  # a spread of pre/in/post over the steps
    retract = [i for i, point in enumerate(leave, 1) if "retract" in point]
    chosen += [(retract[j], "walk_away") for j in (1, 3, 5)]  # the retract's own points
    for kill_at, customer in chosen:
        campaign.issue_and_recover(kill_at=kill_at, customer=customer)
    for _ in range(2):
        campaign.issue_and_recover(kill_after=campaign.rng.uniform(0, duration), customer="take")
    assert campaign.runs >= 12 and campaign.kills >= 10 and campaign.settled >= 6


@pytest.mark.long
@pytest.mark.timeout(1800)
def test_long_crash_campaign(campaign: Campaign) -> None:
    take, leave, duration = _enumerate(campaign)
    for kill_at in range(1, len(take) + 1):
        campaign.issue_and_recover(kill_at=kill_at, customer="take")
    for kill_at in range(1, len(leave) + 1):
        campaign.issue_and_recover(kill_at=kill_at, customer="walk_away")
    rng = campaign.rng
    while campaign.runs < LONG_RUNS:
        customer = rng.choice(["take", "take", "walk_away"])
        recovery_kill = rng.randint(1, 9) if rng.random() < 0.25 else 0
        campaign.issue_and_recover(kill_after=rng.uniform(0, duration * 1.2), customer=customer,
                                   recovery_kill=recovery_kill)
    assert campaign.runs >= LONG_RUNS and campaign.settled >= 60
