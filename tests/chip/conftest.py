"""Chip tests share the machine's one pcscd (started here when absent) and lease one vpcd slot per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from drivers.sim import pcscd
from drivers.sim.pboc_card import VirtualPbocCard

TEST_PAN = "6228480012345678901"  # 19-digit UnionPay-style PAN, made up


@pytest.fixture(scope="session")
def pcscd_info() -> pcscd.PcscdInfo:
    """pcscd with the vpcd readers; fails (not skips) when it cannot run, like CI would."""
    return pcscd.ensure_pcscd(timeout=20.0)


@pytest.fixture(scope="session")
def slot(pcscd_info: pcscd.PcscdInfo) -> Iterator[pcscd.SlotLease]:
    """One vpcd slot for this test session; other processes use the other slot or wait."""
    with pcscd.lease_slot(timeout=90.0) as lease:
        pcscd.wait_for_reader(lease.reader, present=False, timeout=5.0)
        yield lease


@pytest.fixture
def make_card(slot: pcscd.SlotLease) -> Iterator[Callable[..., VirtualPbocCard]]:
    """Factory for virtual cards on the session's slot; every card is pulled out (and pcscd in step) after."""
    cards: list[VirtualPbocCard] = []

    def make(pan: str = TEST_PAN, **kwargs: object) -> VirtualPbocCard:
        card = VirtualPbocCard(pan, port=slot.port, **kwargs)  # type: ignore[arg-type]
        cards.append(card)
        return card

    yield make
    for card in cards:
        card.remove()
    pcscd.wait_for_reader(slot.reader, present=False, timeout=5.0)
