"""The customer's phone sending the walk-in form: what the demo and the tests play; a kiosk never does it.

Why a client of its own: the kiosk's `CentralClient` speaks with the kiosk's identity, and the form is sent
without any (the form URL's secret is the phone's only credential). It shares the kiosk client's transport,
error mapping and answer validation by subclassing; made without a bearer token or certificate.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from central_api_client import journey_models as jm
from central_api_client.client import CentralClient


class PhoneClient(CentralClient):
    """A phone on the public form pages: no kiosk identity."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        for credential in ("bearer_token", "client_cert", "client_key"):
            kwargs.pop(credential, None)
        super().__init__(base_url, **kwargs)

    def submit_walk_in_form(self, form_url: str, submission: jm.WalkInSubmission) -> jm.SubmissionAck:
        """Send the form to `form_url` (as shown in the kiosk's QR code).

        Raises Unauthorized (wrong form secret), Conflict (sent already), Gone (expired), or another CentralError.
        """
        parts = urlsplit(form_url)
        session_id = parts.path.rstrip("/").rsplit("/", 1)[-1]
        secret = parse_qs(parts.query).get("t", [""])[0]
        path = f"/v1/forms/{session_id}/submission"
        return self._call("POST", path, jm.SubmissionAck, body=submission, params={"t": secret}, keyless=True)
