"""The streamed snapshot against the real service: verified blocks only, resumable, never half applied."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from synchelp import BRANCH, Kiosk, assert_in_step

from central_api_client import errors, snapshot_stream
from central_api_client import models as m
from central_api_client.checksum import canonical_json
from central_service.seed import generate
from central_service.store import contract_form
from sync_agent import apply, remote


def _applied(kiosk: Kiosk) -> int:
    return kiosk.db.conn.execute("SELECT COUNT(*) FROM appointments").fetchone()[0]


def test_the_stream_is_checkpointed_and_matches_the_branch(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH], 45, rng_seed=21, with_tokens=False)
    stream = kiosk.remote.client.snapshot_stream(BRANCH, block=10)
    with stream:
        blocks = list(stream.blocks())
    assert [len(b.appointments) for b in blocks] == [10, 10, 10, 10, 5]
    assert [b.last for b in blocks] == [False] * 4 + [True] and blocks[-1].total == 45
    ids = [a["id"] for b in blocks for a in b.appointments]
    assert ids == sorted(ids) and len(set(ids)) == 45
    with kiosk.remote.client.snapshot_stream(BRANCH, blocks[2].resume_token, block=10) as resumed:
        rest = [a["id"] for b in resumed.blocks() for a in b.appointments]
        assert resumed.cursor == stream.cursor  # the same snapshot, continued after the third block
    assert rest == ids[30:]


def test_a_damaged_stream_is_never_applied(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH], 30, rng_seed=22, with_tokens=False)
    kiosk.admin.arm_fault("streamSnapshot", "garbage", times=1, after=True)
    puller = kiosk.puller()
    assert puller.step().kind == "resync_started"
    with pytest.raises(remote.PageDamaged):
        puller.step()
    assert _applied(kiosk) == 0
    kiosk.sync(puller)
    assert_in_step(kiosk)


def test_a_stream_cut_short_keeps_the_verified_blocks_and_resumes(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH], 50, rng_seed=23, with_tokens=False)
    puller = kiosk.puller(snapshot_block=10)
    assert puller.step().kind == "resync_started"
    assert puller.step().kind == "snapshot"
    assert puller.step().kind == "snapshot"
    puller.close()  # the kiosk is killed here: two blocks committed with their resume token
    assert _applied(kiosk) == 20
    token = apply.resync_progress(kiosk.db)["page_token"]
    kiosk.admin.arm_fault("streamSnapshot", "truncate", times=1, after=True)
    with pytest.raises(remote.Offline):  # the resumed answer is cut in the middle: nothing of it applied
        while True:
            puller.step()
    assert _applied(kiosk) == 20 and apply.resync_progress(kiosk.db)["page_token"] == token
    fresh = kiosk.puller(snapshot_block=10)  # a restarted agent resumes after the 20 rows, not from the start
    kinds = [fresh.step().kind for _ in range(5)]  # 3 blocks of 10 and the empty last one, then the sweep
    assert kinds == ["snapshot"] * 4 + ["resync_done"] and fresh.applied_rows == 30
    kiosk.sync(fresh)
    assert_in_step(kiosk)


def test_a_resume_token_of_another_branch_or_forged_is_refused(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH], 5, rng_seed=24, with_tokens=False)
    with pytest.raises(errors.Rejected):
        kiosk.remote.client.snapshot_stream(BRANCH, "not-a-token")
    with pytest.raises(errors.Forbidden):
        kiosk.remote.client.snapshot_stream("BR002")


def test_seeded_documents_are_already_in_the_contract_form() -> None:
    """Bulk seeding stores documents as generated (no per-row normalisation): they must be the contract form."""
    docs = list(generate([BRANCH], 60, rng_seed=25, now=datetime.now(UTC)))
    assert all(canonical_json(contract_form(d)) == canonical_json(d) for d in docs)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["version", "status", "kind", "id", "customer", "services", "updated_at", "created_at"]),
       st.sampled_from([0, -1, 1.0, "", "x", None, [], {}, "2026-01-01T00:00:00", True]))
def test_the_stream_validator_agrees_with_the_contract_model(field: str, value: object) -> None:
    """The dict-only validator of snapshot lines accepts and refuses exactly what the strict model does."""
    doc = dict(next(iter(generate([BRANCH], 1, rng_seed=26, now=datetime.now(UTC)))))
    doc[field] = value
    line = json.dumps([doc], ensure_ascii=False).encode()
    try:
        TypeAdapter(list[m.Appointment]).validate_json(line, strict=True)
        model_ok = True
    except ValidationError:
        model_ok = False
    try:
        snapshot_stream._APPOINTMENTS.validate_json(line, strict=True)
        stream_ok = True
    except ValidationError:
        stream_ok = False
    assert stream_ok == model_ok


def test_a_block_that_fails_to_apply_is_not_skipped(kiosk: Kiosk) -> None:
    seeded = kiosk.admin.seed([BRANCH], 30, rng_seed=27, with_tokens=False)
    puller = kiosk.puller(snapshot_block=10)
    assert puller.step().kind == "resync_started"
    assert puller.step().kind == "snapshot"
    with kiosk.db.transaction():  # the next write fails (a full disk, say)
        kiosk.db.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON appointments BEGIN "
                              "SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(sqlite3.DatabaseError):
        puller.step()
    with kiosk.db.transaction():
        kiosk.db.conn.execute("DROP TRIGGER refuse")
    assert _applied(kiosk) == 10
    assert puller.step().kind == "snapshot"  # resumes after the 10 rows applied: the failed block comes again
    ids = sorted(s.appointment_id for s in seeded)
    stored = sorted(r[0] for r in kiosk.db.conn.execute("SELECT id FROM appointments"))
    assert stored == ids[:20]
    kiosk.sync(puller)
    assert_in_step(kiosk)
