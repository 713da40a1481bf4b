"""mTLS end to end against the real service: HTTPS from uvicorn, client certificates from enrolment.

The service (uvicorn's ssl options, client certificates checked against its enrolment CA) runs on loopback; a
kiosk enrols with a CSR (`kiosk provision`'s key and CSR), gets its certificate, and calls with it while it
pins the service's CA. Refused: no certificate, a certificate of another CA (the handshake fails), the
certificate of a revoked kiosk, a bearer token where certificates are required. The sync agent syncs over it.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import central_api_client as api
from central_service.enrolment_ca import EnrolmentCA
from central_service.testing import RunningService, running_service, sqlite_settings
from kiosk_app.cli import cli
from kiosk_app.cli.provision_cmd import new_key_and_csr
from sync_agent import apply
from sync_agent.central import CentralRemote
from sync_agent.localdb import open_db
from sync_agent.pull import Puller
from tests.devices.devices_support import write_config  # the kiosk's dev config, pointed at this service

BRANCH = "BJ001"
NO_RETRY = api.RetryPolicy(total=0, body_retries=0)


@dataclass
class Tls:
    service: RunningService
    ca_pem: Path
    work: Path

    def enrol(self, name: str) -> tuple[api.models.Enrolment, tuple[str, str]]:
        """Enrol a kiosk with a fresh key and CSR; its certificate and key files."""
        key_pem, csr_pem = new_key_and_csr(name)
        code = self.service.admin.enrolment_code(BRANCH)
        with api.CentralClient(self.service.url, ca_bundle=str(self.ca_pem), retry=NO_RETRY) as client:
            enrolment = client.enrol(code, kiosk_name=name, csr_pem=csr_pem)
        assert enrolment.client_certificate_pem and enrolment.ca_bundle_pem
        cert, key = self.work / f"{name}.pem", self.work / f"{name}.key"
        cert.write_text(enrolment.client_certificate_pem)
        key.write_bytes(key_pem)
        return enrolment, (str(cert), str(key))

    def client(self, cert: tuple[str, str] | None = None, *, pin: Path | None = None,
               **kw: object) -> api.CentralClient:
        return api.CentralClient(self.service.url, client_cert=cert, ca_bundle=str(pin or self.ca_pem),
                                 retry=NO_RETRY, read_timeout=5, **kw)  # type: ignore[arg-type]


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[Tls]:
    ca_dir = tmp_path / "ca"
    ca = EnrolmentCA.load_or_create(ca_dir)
    cert_pem, key_pem = ca.issue_server_certificate(["127.0.0.1", "localhost"])
    (tmp_path / "server.pem").write_text(cert_pem)
    (tmp_path / "server.key").write_bytes(key_pem)
    settings = sqlite_settings(tmp_path, ssl_certfile=str(tmp_path / "server.pem"),
                               ssl_keyfile=str(tmp_path / "server.key"), ssl_ca_certs=str(ca_dir / "enrolment-ca.pem"),
                               enrolment_ca_dir=str(ca_dir))
    with running_service(settings) as service:
        yield Tls(service, ca_dir / "enrolment-ca.pem", tmp_path)


def test_the_enrolled_certificate_passes_and_the_rest_are_refused(tls: Tls) -> None:
    enrolment, cert = tls.enrol("kiosk-a")
    assert (tls.ca_pem.read_text().strip() == enrolment.ca_bundle_pem.strip())
    with tls.client(cert) as client:
        assert client.get_keys().keys  # the right certificate, the pinned CA
    with tls.client(None) as anonymous, pytest.raises(api.Unauthorized):
        anonymous.get_keys()  # no certificate on a kiosk route
    with tls.client(None, bearer_token=enrolment.bearer_token) as bearer, pytest.raises(api.Unauthorized):
        bearer.get_keys()  # a bearer token is not enough where client certificates are required

    other = EnrolmentCA.create("another CA")
    key_pem, csr_pem = new_key_and_csr("intruder")
    forged = other.sign_csr(csr_pem, kiosk_id=enrolment.kiosk_id, branch_id=BRANCH)  # same subject, wrong CA
    (tls.work / "forged.pem").write_text(forged.pem)
    (tls.work / "forged.key").write_bytes(key_pem)
    with tls.client((str(tls.work / "forged.pem"), str(tls.work / "forged.key"))) as intruder, \
            pytest.raises(api.Unavailable):
        intruder.get_keys()  # the TLS handshake refuses a certificate of another CA

    other_pin = tls.work / "other-ca.pem"
    other_pin.write_text(other.pem)
    with tls.client(cert, pin=other_pin) as wrong_pin, pytest.raises(api.Unavailable):
        wrong_pin.get_keys()  # the kiosk does not trust a service its pinned CA did not certify


def test_a_revoked_kiosk_is_refused_on_its_next_request(tls: Tls) -> None:
    enrolment, cert = tls.enrol("kiosk-b")
    _, other_cert = tls.enrol("kiosk-c")
    with tls.client(cert) as client, tls.client(other_cert) as neighbour:
        assert client.get_keys().keys
        tls.service.admin.revoke_kiosk(enrolment.kiosk_id)
        with pytest.raises(api.Unauthorized):
            client.get_keys()  # same connection pool, same valid certificate: refused by the kiosk table
        assert neighbour.get_keys().keys


def test_a_bad_csr_is_refused_before_the_code_is_used(tls: Tls) -> None:
    code = tls.service.admin.enrolment_code(BRANCH)
    with api.CentralClient(tls.service.url, ca_bundle=str(tls.ca_pem), retry=NO_RETRY) as client:
        with pytest.raises(api.Rejected):
            client.enrol(code, kiosk_name="k", csr_pem="-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n")
        _, csr_pem = new_key_and_csr("k")
        assert client.enrol(code, kiosk_name="k", csr_pem=csr_pem).client_certificate_pem  # still usable


def test_the_sync_agent_syncs_over_mtls(tls: Tls) -> None:
    tls.service.admin.seed([BRANCH], 50, rng_seed=5, with_tokens=False)
    _, cert = tls.enrol("kiosk-d")
    with tls.client(cert) as client, open_db(tls.work / "kiosk.sqlite") as db:
        puller = Puller(db, CentralRemote(client), BRANCH, long_poll_s=0)
        for _ in range(20):
            if puller.step().caught_up and apply.resync_progress(db) is None:
                break
        state = tls.service.admin.branch_state(BRANCH)
        assert apply.branch_state(db, BRANCH) == (state["count"], state["digest"]) and state["count"] == 50


def test_kiosk_provision_sends_a_csr_and_stores_a_working_certificate(tls: Tls) -> None:
    """`kiosk provision` with a certificate-only config and the pinned CA: key and certificate written 0600,
    no bearer token kept, and the certificate is what the service then accepts."""
    pki = tls.work / "pki"
    (tls.work / "kiosk").mkdir()
    config = write_config(tls.work / "kiosk", tls.service.url, kiosk={"branch_id": BRANCH}, central={
        "url": tls.service.url, "client_cert": str(pki / "kiosk.pem"), "client_key": str(pki / "kiosk.key"),
        "ca_bundle": str(tls.ca_pem), "bearer_token_file": None})
    config.write_text("\n".join(line for line in config.read_text().splitlines()
                                if not line.startswith("bearer_token_file")), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "provision", "--code",
                                      tls.service.admin.enrolment_code(BRANCH)])
    assert result.exit_code == 0, result.output
    for path in (pki / "kiosk.pem", pki / "kiosk.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with tls.client((str(pki / "kiosk.pem"), str(pki / "kiosk.key"))) as client:
        assert client.get_keys().keys
