"""Whatever arrives (a search box, a session row, a stored hash, a typed code): a typed refusal or a clean no,
never an exception. hypothesis drives each parser of the staff area."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central_api_client.staff_pins import hash_pin, pin_matches
from central_service.auth import totp
from central_service.auth.passwords import verify_password
from central_service.auth.principal import Principal
from central_service.db import Database
from central_service.migrations import upgrade
from central_service.seed import generate
from central_service.staff import customers
from central_service.store import Store

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                max_size=5), max_leaves=12)
QUERY = st.one_of(st.text(max_size=40), st.from_regex(r"[0-9X*\s-]{0,20}", fullmatch=True),
                  st.from_regex(r"(apt|APT)_[0-9A-Za-z]{0,20}", fullmatch=True))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('parsers') / 'central.sqlite'}")
    upgrade(db.engine)
    found = Store(db)
    found.put_appointments_bulk(list(generate(["BJ001", "SH002"], 20, rng_seed=3)))
    yield found
    db.dispose()


@settings(max_examples=300, deadline=None)
@given(query=QUERY)
def test_any_search_text_finds_this_branch_only_or_is_refused(store: Store, query: str) -> None:
    try:
        found = customers.find(store, "BJ001", query)
    except customers.QueryNotUnderstood:
        return
    assert all(store.get_appointment(m.appointment_id)["branch_id"] == "BJ001" for m in found)
    assert all("*" in m.id_number for m in found)  # a result row never carries a whole number


def test_search_forms_a_teller_types(store: Store) -> None:
    doc = next(d for d in store.appointments("BJ001"))
    number, phone = doc["customer"]["id_number"], doc["customer"]["phone"]
    for query in (number, number[-6:], f"{number[:3]}***{number[-4:]}", phone, doc["id"], f" {doc['id']} "):
        assert doc["id"] in [m.appointment_id for m in customers.find(store, "BJ001", query)], query
    other = next(d for d in store.appointments("SH002"))
    assert customers.find(store, "BJ001", other["id"]) == []


@given(data=JSON)
def test_any_session_value_is_a_whole_principal_or_none(data: object) -> None:
    principal = Principal.from_session(data)
    assert principal is None or (principal.kind and principal.id and principal.branch_id)


@settings(max_examples=50, deadline=None)
@given(stored=st.text(max_size=120), pin=st.text(max_size=12))
def test_any_stored_hash_is_a_clean_no(stored: str, pin: str) -> None:
    assert pin_matches(pin, stored) in (True, False)
    assert verify_password(pin, stored) in (True, False)


def test_a_real_pin_hash_still_matches() -> None:
    stored = hash_pin("246810")
    assert pin_matches("246810", stored) and not pin_matches("246811", stored)


@given(code=st.text(max_size=10))
def test_any_typed_code_is_checked_without_error(code: str) -> None:
    assert totp.code_valid("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", code) in (True, False)
