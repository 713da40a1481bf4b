"""What a contract fuzzer found in the old reference service, each case pinned on the new one (both stores):
non-ASCII text in a path, cursor, page token or token header is a 4xx, never a 500; `limit`/`wait` take ASCII
digits only; a 405 says what is allowed; a purge moves only its own branch's horizon, to its last purged
tombstone, so up-to-date cursors and reads from the start keep working; floats get a clear 400.
"""

from __future__ import annotations

import json

import pytest
import requests

import central_api_client as api
from tests.central import samples
from tests.central.conftest import Sim


def _get(sim: Sim, path: str, token: str | None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(sim.url + path, params=params, headers=headers, timeout=10)


def _problem(response: requests.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + slug)


@pytest.fixture
def token(sim: Sim) -> str:
    sim.admin.seed(["BJ001", "SH002"], 3, rng_seed=2)
    return sim.admin.add_kiosk("BJ001")[1]


@pytest.mark.parametrize("branch", ["北京001", "BJ001é", "\u00a0", "BJ\u200b001"])
@pytest.mark.parametrize("route", ["changes", "snapshot"])
def test_non_ascii_branch_id_in_the_path_is_wrong_branch(sim: Sim, token: str, branch: str, route: str) -> None:
    _problem(_get(sim, f"/v1/branches/{branch}/{route}", token), 403, "wrong-branch")


@pytest.mark.parametrize("text", ["é", "游标.abc", "abc.é", "e30.ü" * 3, ".", "%%%", "e30"])
def test_non_ascii_or_forged_cursor_and_page_token_are_400(sim: Sim, token: str, text: str) -> None:
    _problem(_get(sim, "/v1/branches/BJ001/changes", token, cursor=text), 400, "invalid-cursor")
    _problem(_get(sim, "/v1/branches/BJ001/snapshot", token, page_token=text), 400, "invalid-cursor")


def test_non_ascii_admin_and_bearer_tokens_are_401(sim: Sim, token: str) -> None:
    for value in ("tökén", "令牌", sim.server.admin_token + "é"):
        response = requests.get(sim.url + "/admin/stats", headers={"X-Admin-Token": value.encode()}, timeout=10)
        _problem(response, 401, "unauthorized")
        response = requests.get(sim.url + "/v1/keys", headers={"Authorization": b"Bearer " + value.encode()},
                                timeout=10)
        _problem(response, 401, "unauthorized")


@pytest.mark.parametrize("value", ["²", "٣", "１０", "+5", "-1", " 5", "5.0", "", "1e2", "0x10", "9" * 30])
@pytest.mark.parametrize("name", ["limit", "wait"])
def test_limit_and_wait_take_ascii_digits_only(sim: Sim, token: str, name: str, value: str) -> None:
    _problem(_get(sim, "/v1/branches/BJ001/changes", token, **{name: value}), 400, "invalid-parameter")


def test_ascii_digits_in_range_are_accepted(sim: Sim, token: str) -> None:
    assert _get(sim, "/v1/branches/BJ001/changes", token, limit="007", wait="0").status_code == 200


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", "/v1/keys", {"GET", "HEAD"}), ("DELETE", "/v1/branches/BJ001/changes", {"GET", "HEAD"}),
    ("GET", "/v1/event-batches", {"POST"}), ("PUT", "/v1/accounts", {"POST"}),
])
def test_405_names_the_allowed_methods(sim: Sim, token: str, method: str, path: str, allowed: set[str]) -> None:
    response = requests.request(method, sim.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    _problem(response, 405, "method-not-allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def _caught_up(kiosk: api.CentralClient, branch: str, cursor: str | None = None) -> str:
    while True:
        page = kiosk.changes(branch, cursor, limit=1000)
        cursor = page.cursor
        if not page.has_more:
            return cursor


def test_a_purge_keeps_up_to_date_cursors_and_other_branches_working(sim: Sim) -> None:
    sim.admin.seed(["BJ001", "SH002"], 5, rng_seed=3)
    here, there, late = sim.client("BJ001"), sim.client("SH002"), sim.client("BJ001")
    old = _caught_up(late, "BJ001")
    sim.admin.cancel_appointment(sim.admin.appointments("BJ001")[0]["id"])
    mine, theirs = _caught_up(here, "BJ001"), _caught_up(there, "SH002")
    assert sim.admin.purge_tombstones("BJ001") == 1
    assert here.changes("BJ001", mine).count == 0  # saw the tombstone before the purge: still valid
    assert there.changes("SH002", theirs).count == 0  # another branch is untouched by this purge
    sim.admin.create_appointment("SH002")
    assert there.changes("SH002", theirs).count == 1
    with pytest.raises(api.CursorTooOld):  # missed the tombstone that is gone: resync
        late.changes("BJ001", old)


def test_a_feed_read_from_the_start_after_a_purge_works_on_every_page(sim: Sim) -> None:
    sim.admin.seed(["BJ001"], 6, rng_seed=4)
    kiosk = sim.client("BJ001")
    for doc in sim.admin.appointments("BJ001")[:2]:
        sim.admin.cancel_appointment(doc["id"])
    sim.admin.purge_tombstones("BJ001")
    seen, cursor = set(), None
    while True:
        page = kiosk.changes("BJ001", cursor, limit=1)
        seen |= {change.appointment.id for change in page.changes}  # type: ignore[union-attr]
        cursor = page.cursor
        if not page.has_more:
            break
    assert seen == {doc["id"] for doc in sim.admin.appointments("BJ001")} and len(seen) == 4
    sim.admin.purge_tombstones("BJ001")  # nothing new to purge: the chain stays valid
    assert kiosk.changes("BJ001", cursor).count == 0


def test_a_float_where_the_contract_has_an_integer_is_a_clear_400(sim: Sim, token: str) -> None:
    body = {"kiosk_id": "k", "sent_at": "2026-01-01T00:00:00Z", "uptime_s": 3.0}
    response = requests.post(sim.url + "/v1/heartbeats", data=json.dumps(body), timeout=10, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": "hb-00000001"})
    _problem(response, 400, "invalid-body")
    assert "no floating point numbers" in response.json()["detail"]


@pytest.mark.parametrize("text", ["paper\u0000low", "\u0000"])
def test_a_nul_character_in_any_text_is_a_clear_422(sim: Sim, token: str, text: str) -> None:
    """Found by the contract fuzzer on PostgreSQL (text cannot hold U+0000: a 500 there, stored on SQLite). The
    schema allows the text, so it is 422 (refused for what it means), not 400."""
    body = samples.heartbeat().to_json()
    body["devices"][1]["detail"] = text  # free text in the contract
    response = requests.post(sim.url + "/v1/heartbeats", data=json.dumps(body), timeout=10, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": "hb-00000002"})
    _problem(response, 422, "invalid-text")
    assert "NUL" in response.json()["detail"]
    body["devices"][1]["detail"] = "paper low"
    response = requests.post(sim.url + "/v1/heartbeats", data=json.dumps(body), timeout=10, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": "hb-00000003"})
    assert response.status_code == 200, response.text
