"""CentralClient: every call the kiosk makes to the central appointment service, typed in and out.

Why: the contract (openapi.yaml) is enforced at this boundary. Every answer is parsed into its model before
it is returned, and a page of the feed is checked against its count and checksum, so a body that breaks the
contract raises ProtocolError and never reaches the local database. Transport failures and error statuses
are translated once, here, into `central_api_client.errors`. Logs carry method, route, status and timing,
never bodies.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from central_api_client import errors
from central_api_client import journey_models as jm
from central_api_client import models as m
from central_api_client import staff_models as sm
from central_api_client.checksum import loads, page_checksum
from central_api_client.snapshot_stream import SnapshotStream
from central_api_client.transport import RetryPolicy, build_session

__all__ = ["CentralClient"]

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
_BODY_ERRORS = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


def new_key() -> str:
    """A fresh idempotency key; callers that may crash between attempts store theirs before the first send."""
    return str(uuid.uuid4())


class CentralClient:
    """One kiosk's connection to the central service: one requests.Session, closed by `close()`."""

    def __init__(
        self,
        base_url: str,
        *,
        bearer_token: str | None = None,
        client_cert: tuple[str, str] | None = None,
        ca_bundle: str | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeouts = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.session = session or build_session(
            self.retry, bearer_token=bearer_token, client_cert=client_cert, ca_bundle=ca_bundle
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- identity ------------------------------------------------------------------------------------------

    def enrol(self, code: str, *, kiosk_name: str | None = None, csr_pem: str | None = None) -> m.Enrolment:
        """Exchange branch IT's one-time code for credentials. Raises Unauthorized, Conflict (code used).

        Never retried after the request was sent: a lost answer means a burnt code, which branch IT reissues.
        """
        body = m.EnrolmentRequest(code=code, kiosk_name=kiosk_name, csr_pem=csr_pem)
        return self._call("POST", "/v1/enrolment", m.Enrolment, body=body, keyless=True)

    def get_keys(self) -> m.KeySet:
        """The public keys that verify QR tokens."""
        return self._call("GET", "/v1/keys", m.KeySet)

    # --- feed ----------------------------------------------------------------------------------------------

    def changes(self, branch_id: str, cursor: str | None = None, *, limit: int = 200, wait: int = 0) -> m.ChangePage:
        """One page of the branch's feed after `cursor`, long-polling up to `wait` s for the first change.

        Raises CursorTooOld (resync), Forbidden (not this kiosk's branch), ProtocolError (damaged page).
        """
        params: dict[str, Any] = {"limit": limit, "wait": wait}
        if cursor is not None:
            params["cursor"] = cursor
        path = f"/v1/branches/{branch_id}/changes"
        return self._call("GET", path, m.ChangePage, params=params, read_timeout=self.timeouts[1] + wait,
                          array="changes")

    def snapshot(self, branch_id: str, page_token: str | None = None, *, limit: int = 200) -> m.SnapshotPage:
        """One page of the branch's full-resync snapshot. Raises CursorTooOld if the snapshot expired."""
        params: dict[str, Any] = {"limit": limit}
        if page_token is not None:
            params["page_token"] = page_token
        path = f"/v1/branches/{branch_id}/snapshot"
        return self._call("GET", path, m.SnapshotPage, params=params, array="appointments")

    def snapshot_stream(self, branch_id: str, resume_token: str | None = None, *, block: int = 2000) -> SnapshotStream:
        """Open the branch's streamed snapshot (a new one, or resumed after a block); close it when done.

        Raises CursorTooOld (the snapshot's horizon was purged), Forbidden, Unavailable, ProtocolError; reading
        its blocks raises ProtocolError (damaged) or Unavailable (cut short).
        """
        params: dict[str, Any] = {"block": block}
        if resume_token is not None:
            params["resume_token"] = resume_token
        url = f"{self.base_url}/v1/branches/{branch_id}/snapshot/stream"
        try:
            response = self.session.get(url, params=params, timeout=self.timeouts, stream=True,
                                        headers={"Accept": "application/x-ndjson, application/problem+json"})
        except requests.exceptions.RequestException as exc:
            raise errors.Unavailable(f"{type(exc).__name__} talking to the central service") from None
        if response.status_code != 200:
            with response:
                raise _error(response) if response.status_code >= 400 else errors.ProtocolError(
                    f"unexpected status {response.status_code}", status=response.status_code)
        if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/x-ndjson":
            response.close()
            raise errors.ProtocolError("snapshot stream is not application/x-ndjson", status=200)
        try:
            return SnapshotStream(_stream_lines(response), response.close)
        except BaseException:
            response.close()
            raise

    def lookup(self, token: str, *, id_number: str | None = None,
               idempotency_key: str | None = None) -> m.Appointment:
        """The appointment a scanned QR token names (a payroll batch QR with the employee's `id_number`: that
        employee's pickup appointment). Raises NotFound, Forbidden (other branch), Conflict (a returned or not
        yet opened payroll entry), Rejected."""
        body = m.LookupRequest(token=token, id_number=id_number)
        return self._call("POST", "/v1/appointments/lookup", m.Appointment, body=body, key=idempotency_key)

    # --- push ----------------------------------------------------------------------------------------------

    def push_events(self, events: Sequence[m.Event]) -> m.EventBatchResult:
        """Send a batch of outbox events; each result says applied (maybe replayed) or rejected for good.

        The batch's own key is derived from its events' keys, so a retry of the same batch is the same call.
        """
        batch = m.EventBatch(events=list(events))
        key = "batch-" + hashlib.sha256("\n".join(e.idempotency_key for e in events).encode()).hexdigest()[:48]
        result = self._call("POST", "/v1/event-batches", m.EventBatchResult, body=batch, key=key)
        if [r.idempotency_key for r in result.results] != [e.idempotency_key for e in events]:
            raise errors.ProtocolError("event results do not match the events sent")
        return result

    def heartbeat(self, heartbeat: m.Heartbeat, *, idempotency_key: str | None = None) -> m.HeartbeatAck:
        """Report kiosk health; the answer's server_time gives the clock offset."""
        return self._call("POST", "/v1/heartbeats", m.HeartbeatAck, body=heartbeat, key=idempotency_key)

    # --- journey -------------------------------------------------------------------------------------------

    def verify_identity(
        self, request: jm.IdentityVerificationRequest, *, idempotency_key: str | None = None
    ) -> jm.IdentityVerification:
        """Check the document (and face, with consent): match / no_match / needs_staff plus rule answers."""
        path = "/v1/identity-verifications"
        return self._call("POST", path, jm.IdentityVerification, body=request, key=idempotency_key)

    def open_account(self, request: jm.OpenAccountRequest, *, idempotency_key: str | None = None) -> jm.Account:
        """Open a Class I/II account and bind the card. Raises Conflict (Class I exists), Rejected (refused)."""
        return self._call("POST", "/v1/accounts", jm.Account, body=request, key=idempotency_key)

    def set_pin(
        self, account_id: str, request: jm.SetPinRequest, *, idempotency_key: str | None = None
    ) -> jm.PinSet:
        """Set the card PIN from the PIN pad's encrypted block."""
        path = f"/v1/accounts/{account_id}/pin"
        return self._call("POST", path, jm.PinSet, body=request, key=idempotency_key)

    def activate_mobile_banking(
        self, account_id: str, request: jm.ActivationRequest, *, idempotency_key: str | None = None
    ) -> jm.ServiceActivation:
        """Activate mobile banking (idempotent)."""
        path = f"/v1/accounts/{account_id}/mobile-banking"
        return self._call("POST", path, jm.ServiceActivation, body=request, key=idempotency_key)

    def activate_online_banking(
        self, account_id: str, request: jm.ActivationRequest, *, idempotency_key: str | None = None
    ) -> jm.ServiceActivation:
        """Activate online banking (idempotent)."""
        path = f"/v1/accounts/{account_id}/online-banking"
        return self._call("POST", path, jm.ServiceActivation, body=request, key=idempotency_key)

    def start_phone_verification(
        self, request: jm.PhoneVerificationRequest, *, idempotency_key: str | None = None
    ) -> jm.PhoneVerification:
        """Text a one-time code to the registered mobile number. Raises Rejected if it cannot be sent."""
        return self._call("POST", "/v1/phone-verifications", jm.PhoneVerification, body=request,
                          key=idempotency_key)

    def confirm_phone_verification(
        self, verification_id: str, request: jm.PhoneCodeConfirmation, *, idempotency_key: str | None = None
    ) -> jm.PhoneVerification:
        """Check the code the customer read. Raises Rejected (wrong-code, code-expired, too-many-attempts)."""
        path = f"/v1/phone-verifications/{verification_id}/confirmation"
        return self._call("POST", path, jm.PhoneVerification, body=request, key=idempotency_key)

    def record_risk_assessment(
        self, request: jm.RiskAssessmentRequest, *, idempotency_key: str | None = None
    ) -> jm.RiskAssessment:
        """Record the confirmed risk assessment."""
        return self._call("POST", "/v1/risk-assessments", jm.RiskAssessment, body=request, key=idempotency_key)

    def credit_card_products(self) -> jm.CreditCardProductList:
        """The credit cards the customer may choose from at this kiosk."""
        return self._call("GET", "/v1/credit-card-products", jm.CreditCardProductList)

    def apply_credit_card(
        self, request: jm.CreditCardApplicationRequest, *, idempotency_key: str | None = None
    ) -> jm.CreditCardApplication:
        """Submit a credit-card application. Raises Rejected (e.g. under 18)."""
        path = "/v1/credit-card-applications"
        return self._call("POST", path, jm.CreditCardApplication, body=request, key=idempotency_key)

    def create_wechat_binding(
        self, request: jm.WechatBindingRequest, *, idempotency_key: str | None = None
    ) -> jm.WechatBinding:
        """A WeChat Pay binding link to show as a QR."""
        return self._call("POST", "/v1/wechat-bindings", jm.WechatBinding, body=request, key=idempotency_key)

    def redeem(
        self, appointment_id: str, request: jm.RedeemRequest, *, idempotency_key: str | None = None
    ) -> m.Appointment:
        """Use the appointment (one time). Raises Conflict if it was redeemed or cancelled before."""
        path = f"/v1/appointments/{appointment_id}/redeem"
        return self._call("POST", path, m.Appointment, body=request, key=idempotency_key)

    # --- walk-in -------------------------------------------------------------------------------------------

    def create_walk_in_session(
        self, request: jm.WalkInSessionRequest, *, idempotency_key: str | None = None
    ) -> jm.WalkInSession:
        """Start a walk-in form session; show `form_url` as a QR."""
        return self._call("POST", "/v1/walk-in-sessions", jm.WalkInSession, body=request, key=idempotency_key)

    def get_walk_in_session(self, session_id: str, *, wait: int = 0) -> jm.WalkInSession:
        """The session; long-polls up to `wait` s for the phone's submission."""
        path = f"/v1/walk-in-sessions/{session_id}"
        return self._call("GET", path, jm.WalkInSession, params={"wait": wait},
                          read_timeout=self.timeouts[1] + wait)

    # --- staff ---------------------------------------------------------------------------------------------

    def staff_credentials(self, branch_id: str) -> sm.StaffCredentials:
        """The branch's lobby managers' kiosk PIN hashes and revocations (the directory is their source)."""
        return self._call("GET", f"/v1/branches/{branch_id}/staff-credentials", sm.StaffCredentials)

    def staff_calls(self, *, wait: int = 0, seen: sm.StaffCallStatus = "open") -> sm.StaffCallList:
        """This kiosk's open staff calls; long-polls up to `wait` s until one's status differs from `seen`."""
        return self._call("GET", "/v1/staff-calls", sm.StaffCallList, params={"wait": wait, "seen": seen},
                          read_timeout=self.timeouts[1] + wait)

    # --- the one place requests are made -------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        model: type[T],
        *,
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
        keyless: bool = False,
        read_timeout: float | None = None,
        array: str | None = None,
    ) -> T:
        """Send, translate failures, validate the answer. Raises a CentralError subclass on any failure."""
        headers: dict[str, str | None] = {}
        if method == "POST" and not keyless:
            headers["Idempotency-Key"] = key or new_key()
        json_body = body.to_json() if isinstance(body, m.ContractModel) else None
        timeout = (self.timeouts[0], read_timeout or self.timeouts[1])
        response = self._send(method, path, headers, json_body, params, timeout, retry_body=method == "GET" or bool(
            headers.get("Idempotency-Key")))
        return _parse(response, model, array)

    def _send(
        self, method: str, path: str, headers: dict[str, str | None], json_body: Any, params: dict[str, Any] | None,
        timeout: tuple[float, float], *, retry_body: bool,
    ) -> requests.Response:
        """One logical request; a body cut short after the headers is retried here when the call is safe."""
        attempts = 1 + (self.retry.body_retries if retry_body else 0)
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                response = self.session.request(method, self.base_url + path, headers=headers, json=json_body,
                                                params=params, timeout=timeout, allow_redirects=False)
            except _BODY_ERRORS as exc:
                log.warning("central %s %s: body cut short (attempt %d)", method, path, attempt + 1)
                if attempt + 1 == attempts:
                    raise errors.Unavailable(f"answer cut short: {type(exc).__name__}") from None
                time.sleep(min(self.retry.backoff_max, self.retry.backoff_factor * 2**attempt)
                           + random.random() * self.retry.backoff_jitter)
                continue
            except requests.exceptions.RequestException as exc:
                log.warning("central %s %s: %s", method, path, type(exc).__name__)
                raise errors.Unavailable(f"{type(exc).__name__} talking to the central service") from None
            log.debug("central %s %s -> %d in %.0f ms", method, path, response.status_code,
                      (time.monotonic() - started) * 1000)
            return response
        raise AssertionError("unreachable")  # pragma: no cover


def _stream_lines(response: requests.Response) -> Iterator[bytes]:
    """The answer's lines as they arrive; a connection cut mid-answer is Unavailable."""
    try:
        yield from response.iter_lines(chunk_size=256 * 1024)
    except requests.exceptions.RequestException as exc:
        raise errors.Unavailable(f"snapshot stream cut short: {type(exc).__name__}") from None


def _parse(response: requests.Response, model: type[T], array: str | None) -> T:
    """The validated model of a 2xx answer. Raises the mapped CentralError or ProtocolError."""
    if response.status_code >= 400:
        raise _error(response)
    if not 200 <= response.status_code < 300:
        raise errors.ProtocolError(f"unexpected status {response.status_code}", status=response.status_code)
    if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
        raise errors.ProtocolError("answer is not application/json", status=response.status_code)
    try:
        data = loads(response.content)
    except ValueError:
        raise errors.ProtocolError("answer is not JSON of the contract", status=response.status_code) from None
    if array is not None:
        _check_page(data, array, response.status_code)
    return validate(model, data, status=response.status_code)


def validate(model: type[T], data: Any, *, status: int | None = None) -> T:
    """`model` from decoded JSON. Raises ProtocolError naming the bad fields (never their values)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['type']}"
            for e in exc.errors(include_url=False, include_input=False, include_context=False)[:5]
        )
        raise errors.ProtocolError(f"{model.__name__} breaks the contract: {where}", status=status) from None


def _check_page(data: Any, array: str, status: int) -> None:
    """Raise ProtocolError unless the page's count and checksum match its array."""
    if not isinstance(data, dict) or not isinstance(data.get(array), list):
        raise errors.ProtocolError(f"page has no {array} array", status=status)
    items = data[array]
    if data.get("count") != len(items) or data.get("checksum") != page_checksum(items):
        raise errors.ProtocolError("page count or checksum does not match its contents", status=status)


def _error(response: requests.Response) -> errors.CentralError:
    """The typed error for a 4xx/5xx answer, with its problem when the body is a valid one."""
    problem: m.Problem | None = None
    try:
        problem = m.Problem.model_validate(response.json())
    except (ValueError, ValidationError):
        problem = None
    slug = problem.type.removeprefix(errors.PROBLEM_BASE) if problem else None
    cls = errors.error_class(response.status_code, slug)
    message = f"{response.status_code} {problem.title if problem else response.reason}"
    if cls is errors.Unavailable:
        return errors.Unavailable(message, status=response.status_code, problem=problem,
                                  retry_after=_retry_after(response))
    return cls(message, status=response.status_code, problem=problem)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
