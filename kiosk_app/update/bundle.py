"""Check and unpack a release bundle: signature first, then the manifest, then a safe extraction.

Why the signature covers the whole archive: nothing inside is read (not even the manifest) before the
bank's release key vouches for it. Extraction uses tarfile's `data` filter: no absolute paths, no `..`,
no device files, no links leaving the release directory.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

MANIFEST = "release.json"
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$")


class UpdateError(Exception):
    """An update was refused or did not take; the message says why and what was left in place."""


class SignatureRefused(UpdateError):
    """The bundle's signature is missing, malformed, or not made by the bank's release key."""


class BadBundle(UpdateError):
    """The bundle is signed but is not a release this kiosk can install (manifest, version, archive)."""


@dataclass(frozen=True)
class Release:
    """A verified bundle: its version and the archive it came from."""

    version: str
    archive: Path


def load_release_key(path: Path) -> Ed25519PublicKey:
    """The bank's release key (PEM, SubjectPublicKeyInfo). Raises UpdateError if unreadable or not Ed25519."""
    try:
        key = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UpdateError(f"release key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UpdateError(f"release key {path}: not an Ed25519 public key")
    return key


def verify(archive: Path, signature: Path, key: Ed25519PublicKey) -> Release:
    """Check the detached signature, then read the manifest. Raises SignatureRefused or BadBundle."""
    try:
        sig = base64.b64decode(signature.read_bytes().strip(), validate=True)
        data = archive.read_bytes()
    except FileNotFoundError as exc:
        raise SignatureRefused(f"{exc.filename}: missing") from exc
    except (OSError, binascii.Error) as exc:
        raise SignatureRefused(f"{signature}: not a base64 signature ({exc})") from exc
    try:
        key.verify(sig, data)
    except InvalidSignature as exc:
        raise SignatureRefused(f"{archive.name}: the signature does not match the bank's release key") from exc
    return Release(_manifest_version(archive), archive)


def _manifest_version(archive: Path) -> str:
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member is not None else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BadBundle(f"{archive.name}: no readable {MANIFEST} ({exc})") from exc
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not isinstance(version, str) or not VERSION.match(version):
        raise BadBundle(f"{archive.name}: {MANIFEST} has no usable version ({version!r})")
    return version


def _extract_data_only(tar: tarfile.TarFile, staging: Path) -> None:
    """Extract plain files, directories and links that stay inside `staging`.

    Python's "data" extraction filter does exactly this, but only from 3.11.4 on; Debian 12 ships 3.11.2, so
    there the same rules are checked here before anything is written. Raises tarfile.TarError on a member
    that is absolute, climbs out with "..", is a device or FIFO, or links outside the release.
    """
    if hasattr(tarfile, "data_filter"):
        tar.extractall(staging, filter="data")
        return
    root = staging.resolve()
    for member in tar.getmembers():
        if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
            raise tarfile.TarError(f"{member.name}: not a plain file, directory or link")
        target = (root / member.name).resolve()
        if member.name.startswith("/") or not target.is_relative_to(root):
            raise tarfile.TarError(f"{member.name}: outside the release")
        if member.issym() or member.islnk():
            base = target.parent if member.issym() else root
            if member.linkname.startswith("/") or not (base / member.linkname).resolve().is_relative_to(root):
                raise tarfile.TarError(f"{member.name}: links outside the release")
        member.mode &= 0o755  # no set-uid/set-gid/sticky bits and nothing world-writable, as the data filter does
    tar.extractall(staging)  # nosec B202 - every member was checked above (the data filter's rules)


def unpack(release: Release, releases: Path) -> Path:
    """Extract into `releases/<version>/` (via a temporary directory, so a half-written release never exists).

    An existing directory of that version is replaced. Raises BadBundle if the archive holds unsafe members.
    """
    releases.mkdir(parents=True, exist_ok=True)
    target = releases / release.version
    staging = releases / f".{release.version}.unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with tarfile.open(release.archive, "r:*") as tar:
            _extract_data_only(tar, staging)
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BadBundle(f"{release.archive.name}: cannot unpack ({exc})") from exc
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target
