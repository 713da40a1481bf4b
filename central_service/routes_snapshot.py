"""The streamed snapshot: a branch's live appointments in one gzip NDJSON answer, for a kiosk's first sync.

Why a stream next to the paged snapshot: a new kiosk (or one repairing divergence) needs every live
appointment of its branch; 100k rows as 100 JSON pages cost 100 round trips, 100 parses of a whole page and
100 checksums over re-serialised arrays. Here the stored canonical documents go out as they are, one per line,
compressed once, and the kiosk applies them while they arrive.

The answer (`application/x-ndjson`, gzip when the client accepts it) is, line by line:

    {"$":"start","cursor":C,"server_time":T}      the feed cursor as of the snapshot (follow the feed from C)
    <appointment>                                  the canonical JSON of one live appointment, in id order
    ...
    {"$":"checkpoint","count":n,"digest":D,"last":false,"resume_token":R}

every `block` appointments (query parameter, default BLOCK) and after the last one (`"last":true` and
`"total"`, the whole answer's count).
`count` and `digest` (SHA-256 over the block's lines, each with its "\\n") cover the appointments since the
previous checkpoint: the kiosk applies a block only once its checkpoint verifies, so a cut connection or a
damaged byte never reaches its database. A purge of the branch's tombstones while the answer is read makes the
snapshot useless (a row it sent may since have been cancelled and forgotten): the answer then ends with
`{"$":"expired"}`, which the kiosk treats as a 410. `resume_token` (a snapshot page token of this service) resumes after
the block: `?resume_token=R` continues the same snapshot, same cursor. A snapshot whose horizon was purged
meanwhile is a 410, as for the paged snapshot. Without a final checkpoint the answer is incomplete.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import and_, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from central_service import schema as t
from central_service.cursors import encode_cursor
from central_service.kiosk_api import Call, kiosk_get
from central_service.problems import ApiError, dumps
from central_service.routes_feed import snapshot_position

__all__ = ["BLOCK", "ROUTES", "snapshot_routes"]

BLOCK = 2000  # appointments per checkpoint by default: one read on the service, one transaction on the kiosk
MAX_BLOCK = 10_000
MEDIA_TYPE = "application/x-ndjson"
GZIP_LEVEL = 1  # loopback and branch links alike: level 1 gets most of the ratio at a fraction of the CPU


def _read_block(call: Call, branch_id: str, after_id: str, size: int) -> list[tuple[str, str]]:
    """The next (id, canonical doc) of the branch's live appointments after `after_id`, in id order."""
    a = t.appointments
    query = (select(a.c.id, a.c.doc).where(and_(a.c.branch_id == branch_id, a.c.status != "cancelled",
                                                a.c.id > after_id)).order_by(a.c.id).limit(size))
    store = call.central.store
    with store.db.read() as conn:
        return [(row[0], store.open_doc(row[0], row[1])) for row in conn.execute(query)]


def _checkpoint(secret: bytes, fields: dict[str, Any], lines: list[str], last_id: str, total: int | None) -> str:
    digest = hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()
    mark: dict[str, Any] = {"$": "checkpoint", "count": len(lines), "digest": digest, "last": total is not None,
                            "resume_token": encode_cursor(secret, {**fields, "a": last_id})}
    if total is not None:
        mark["total"] = total
    return dumps(mark) + "\n"


def _expired(call: Call, branch_id: str, fields: dict[str, Any]) -> bool:
    """Whether a purge since the snapshot began removed tombstones after its cursor (the kiosk would miss them)."""
    horizon = call.central.store.horizon(branch_id)
    return fields["s"] < horizon and fields["p"] != horizon


def _next_block(call: Call, branch_id: str, fields: dict[str, Any], after: str, size: int,
                total: int) -> tuple[str, str, int, bool]:
    """(text of the next block and its checkpoint, its last id, the running total, whether the answer ends).

    After the read the purge horizon is checked: if it moved past the snapshot's cursor, an `expired` line
    ends the answer (a 410 in the middle of a 200) and the kiosk starts a new snapshot.
    """
    block = _read_block(call, branch_id, after, size)
    if _expired(call, branch_id, fields):
        return dumps({"$": "expired"}) + "\n", after, total, True
    total += len(block)
    after = block[-1][0] if block else after
    lines = [doc for _, doc in block]
    last = len(block) < size
    text = "".join(line + "\n" for line in lines)
    return text + _checkpoint(call.central.store.secret, fields, lines, after, total if last else None), after, \
        total, last


async def _lines(call: Call, branch_id: str, fields: dict[str, Any], size: int) -> AsyncIterator[str]:
    """The answer's text, one block at a time, each read and built in the threadpool (the event loop that
    serves parked long-polls never spends a block's milliseconds on it)."""
    store = call.central.store
    cursor = encode_cursor(store.secret, {"b": branch_id, "s": fields["s"], "e": store.epoch, "k": "cursor",
                                          "p": fields["p"]})
    yield dumps({"$": "start", "cursor": cursor, "server_time": store.now()}) + "\n"
    after, total, done = fields["a"], 0, False
    while not done:
        text, after, total, done = await run_in_threadpool(_next_block, call, branch_id, fields, after, size, total)
        yield text


def _compress(compressor: Any, text: str) -> bytes:
    return compressor.compress(text.encode("utf-8")) + compressor.flush(zlib.Z_SYNC_FLUSH)


async def _gzipped(lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: gzip framing
    async for text in lines:
        chunk = await run_in_threadpool(_compress, compressor, text)
        if chunk:
            yield chunk
    yield compressor.flush()


async def _plain(lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
    async for text in lines:
        yield text.encode("utf-8")


def _accepts_gzip(call: Call) -> bool:
    accepted = call.request.headers.get("Accept-Encoding", "")
    return any(part.split(";")[0].strip().lower() == "gzip" for part in accepted.split(","))


@kiosk_get
async def stream_snapshot(call: Call, branch_id: str) -> Response:
    """The branch's live appointments as checkpointed NDJSON; resumes after a checkpoint's token."""
    call.require_branch(branch_id)
    token = call.request.query_params.get("resume_token")
    if token is not None and not 1 <= len(token) <= 512:
        raise ApiError(400, "invalid-parameter", "resume_token must be 1..512 characters",
                       errors=[{"location": "query/resume_token", "message": "violates 'length 1..512'"}])
    size = call.int_arg("block", BLOCK, 1, MAX_BLOCK)
    fields = await run_in_threadpool(snapshot_position, call, branch_id, token)
    lines = _lines(call, branch_id, fields, size)
    headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    if _accepts_gzip(call):
        headers["Content-Encoding"] = "gzip"
        return StreamingResponse(_gzipped(lines), media_type=MEDIA_TYPE, headers=headers)
    return StreamingResponse(_plain(lines), media_type=MEDIA_TYPE, headers=headers)


# (path, operationId, endpoint, method), as routes_feed.ROUTES: the fault mode selects routes by operationId.
ROUTES = [("/v1/branches/{branch_id}/snapshot/stream", "streamSnapshot", stream_snapshot, "GET")]


def snapshot_routes() -> list[Route]:
    """Starlette routes of this module, named by operationId."""
    return [Route(path, endpoint, methods=[method], name=name) for path, name, endpoint, method in ROUTES]
