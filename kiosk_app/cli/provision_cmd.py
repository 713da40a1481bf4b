"""`kiosk provision --code CODE`: enrol with branch IT's one-time code and store the kiosk's identity.

Why this shape: the code is burnt by the first request that reaches the service, so everything that could
make us throw the answer away (files that already exist, a config with nowhere to put credentials) is
checked before the request is sent. The answer is written file by file, each atomically (temp file in the
same directory, fsync, rename) with mode 0600, so a crash never leaves half a token a later start would
trust. Run it as the user the kiosk services run as, so the files belong to it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from central_api_client import errors as central_errors
from central_api_client import models as m
from central_api_client import tokens
from central_api_client.client import CentralClient
from kiosk_app.cli.context import CliContext, pass_cli
from kiosk_app.config import KioskConfig
from sync_agent.sealing import create_key_file, key_path_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Targets:
    """Where the enrolment's answer goes, from the config (None: the config has no place for it).

    `ca_bundle` is a target only while the configured file is missing: a pinned CA is input, not output.
    """

    token_keys: Path
    bearer_token: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None

    def paths(self) -> list[Path]:
        found = (self.token_keys, self.bearer_token, self.client_cert, self.client_key, self.ca_bundle)
        return [p for p in found if p is not None]


def plan_targets(cfg: KioskConfig) -> Targets:
    """The files provisioning writes. Raises click.ClickException if the config names no place for them."""
    c = cfg.central
    if cfg.paths.token_keys is None:
        raise click.ClickException("config: paths.token_keys is not set: the kiosk could not verify QR codes")
    if c.bearer_token_file is None and c.client_cert is None:
        raise click.ClickException("config: set central.bearer_token_file and/or central.client_cert + client_key")
    ca_bundle = _path(c.ca_bundle)
    pinned = ca_bundle is not None and ca_bundle.exists()  # a CA branch IT installed is never replaced
    return Targets(Path(cfg.paths.token_keys), _path(c.bearer_token_file), _path(c.client_cert),
                   _path(c.client_key), None if pinned else ca_bundle)


def _path(value: object) -> Path | None:
    return Path(str(value)) if value is not None else None


def new_key_and_csr(common_name: str) -> tuple[bytes, str]:
    """A fresh P-256 private key (PEM) and a CSR for it, for services that issue client certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
           .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically with mode 0600 (a new parent directory gets 0700). Raises OSError."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_token_keys(path: Path | str) -> tokens.KeyRing:
    """The provisioned QR-token keys (the contract's KeySet JSON). Raises OSError, ValueError if malformed."""
    try:
        key_set = m.KeySet.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ValueError(f"{path}: not a key set: {exc.error_count()} problem(s)") from exc
    return tokens.KeyRing.from_texts(key_set.as_texts())


def enrol(url: str, cfg: KioskConfig, code: str, csr_pem: str | None) -> m.Enrolment:
    """Send the one-time code. Raises click.ClickException with what branch IT should do next."""
    c = cfg.central
    try:
        with CentralClient(url, ca_bundle=str(c.ca_bundle) if c.ca_bundle and c.ca_bundle.exists() else None,
                           connect_timeout=c.connect_timeout_s, read_timeout=c.read_timeout_s) as client:
            return client.enrol(code, kiosk_name=cfg.kiosk.kiosk_id, csr_pem=csr_pem)
    except ValidationError as exc:
        raise click.ClickException("the code must look like XXXX-XXXX-XXXX (capital letters and digits)") from exc
    except central_errors.Unauthorized as exc:
        raise click.ClickException("the service does not know this code, or it expired: ask for a new one") from exc
    except central_errors.Conflict as exc:
        raise click.ClickException("this code was used before: ask branch IT for a new one") from exc
    except central_errors.CentralError as exc:
        raise click.ClickException(f"enrolment failed: {type(exc).__name__}: {exc}") from exc


def store(enrolment: m.Enrolment, targets: Targets, key_pem: bytes | None) -> list[Path]:
    """Write the credentials the service issued to the configured places; returns the files written.

    Raises click.ClickException if the service issued nothing the config has a place for.
    """
    files: list[tuple[Path | None, bytes | None]] = [
        (targets.bearer_token, _text(enrolment.bearer_token)),
        (targets.client_cert, _text(enrolment.client_certificate_pem)),
        (targets.client_key, key_pem if enrolment.client_certificate_pem else None),
        (targets.ca_bundle, _text(enrolment.ca_bundle_pem)),
    ]
    writes = [(path, data) for path, data in files if path is not None and data is not None]
    if not writes:
        issued = "a bearer token" if enrolment.bearer_token else "a client certificate"
        raise click.ClickException(f"the service issued {issued}, which this config has no place for; "
                                   "fix [central] and enrol again with a new code")
    key_set = json.dumps(enrolment.token_keys.model_dump(mode="json"), indent=1) + "\n"
    writes.insert(0, (targets.token_keys, key_set.encode("utf-8")))
    for path, data in writes:
        write_private(path, data)
    return [path for path, _ in writes]


def data_key(cfg: KioskConfig) -> list[Path]:
    """Make the key that seals personal data in the local database (`sync_agent.sealing`), once.

    An existing key is kept, even with --force: replacing it would make every stored row unreadable (the
    kiosk would recover by a full resync, but there is no reason to pay for one). Raises OSError.
    """
    path = key_path_for(cfg.paths.database)
    if path.exists():
        return []
    create_key_file(path)
    return [path]


def _text(value: str | None) -> bytes | None:
    return None if value is None else value.rstrip("\n").encode("utf-8") + b"\n"


@click.command("provision")
@click.option("--code", required=True, help="Branch IT's one-time enrolment code (XXXX-XXXX-XXXX).")
@click.option("--central", "central_url", default=None, help="Central service URL (default: central.url).")
@click.option("--force", is_flag=True, help="Replace credentials and keys that already exist.")
@pass_cli
def provision(ctx: CliContext, code: str, central_url: str | None, force: bool) -> None:
    """Enrol this kiosk with a one-time code; write its credentials, the QR-token keys and the data key (0600)."""
    cfg = ctx.config()
    targets = plan_targets(cfg)
    present = [str(p) for p in targets.paths() if p.exists() or p.is_symlink()]
    if present and not force:
        raise click.ClickException(f"already provisioned ({', '.join(present)}); use --force to replace")
    key_pem, csr_pem = new_key_and_csr(cfg.kiosk.kiosk_id) if targets.client_cert else (None, None)
    enrolment = enrol(central_url or str(cfg.central.url), cfg, code.strip().upper(), csr_pem)
    if enrolment.branch_id != cfg.kiosk.branch_id:
        raise click.ClickException(f"the code belongs to branch {enrolment.branch_id}, this kiosk is configured "
                                   f"for {cfg.kiosk.branch_id}: nothing written; fix the config or the code")
    try:
        written = store(enrolment, targets, key_pem) + data_key(cfg)
    except OSError as exc:
        raise click.ClickException(f"cannot write credentials: {exc}") from exc
    click.echo(f"enrolled as kiosk {enrolment.kiosk_id} of branch {enrolment.branch_id}; "
               f"{len(enrolment.token_keys.keys)} token key(s)")
    for path in written:
        click.echo(f"  wrote {path}")
