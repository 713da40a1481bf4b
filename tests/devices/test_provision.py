"""`kiosk provision` against the reference central service: files, modes, refusals, and that what it wrote works."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from devices_support import write_config

from central_api_client import tokens
from central_api_client.client import CentralClient
from central_service.admin import CentralAdmin
from kiosk_app.cli import cli
from kiosk_app.cli.provision_cmd import load_token_keys, write_private


def _kiosk(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _secret_files(tmp_path: Path) -> dict[str, Path]:
    return {"token": tmp_path / "secrets" / "token", "keys": tmp_path / "secrets" / "token-keys.json"}


def test_enrols_and_writes_working_credentials(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    config = str(write_config(tmp_path, url))
    code, out = _kiosk("--config", config, "provision", "--code", admin.enrolment_code("BR001"))
    assert code == 0, out
    files = _secret_files(tmp_path)
    for path in files.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(files["token"].parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in files["token"].parent.iterdir()) == ["token", "token-keys.json"]  # no temp files
    data_key = Path(f"{tomllib.loads(Path(config).read_text())['paths']['database']}.key")
    assert stat.S_IMODE(data_key.stat().st_mode) == 0o600 and len(data_key.read_bytes()) == 32
    token = files["token"].read_text(encoding="utf-8").strip()
    assert token not in out and "of branch BR001" in out
    with CentralClient(url, bearer_token=token) as client:
        assert client.get_keys().keys  # the service accepts the token
    appointment = admin.create_appointment("BR001")
    qr = admin.token_for(appointment["id"])
    verified = tokens.verify(qr, load_token_keys(files["keys"]), branch_id="BR001", now=admin.store.clock(),
                             consume=None)
    assert verified.appointment_id == appointment["id"]


def test_refuses_to_overwrite_without_force(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    config = str(write_config(tmp_path, url))
    files = _secret_files(tmp_path)
    write_private(files["keys"], b"{}\n")
    enrolment_code = admin.enrolment_code("BR001")
    code, out = _kiosk("--config", config, "provision", "--code", enrolment_code)
    assert code == 1 and "already provisioned" in out and "--force" in out
    assert files["keys"].read_bytes() == b"{}\n" and not files["token"].exists()
    code, out = _kiosk("--config", config, "provision", "--code", enrolment_code, "--force")  # the code was not burnt
    assert code == 0, out
    assert json.loads(files["keys"].read_text(encoding="utf-8"))["keys"]


@pytest.mark.parametrize(("make_code", "message"), [
    (lambda admin: "AAAA-BBBB-CCCC", "does not know this code"),
    (lambda admin: "not a code", "must look like"),
    (lambda admin: admin.enrolment_code("BR001", ttl_s=-1), "does not know this code"),
])
def test_bad_codes_write_nothing(tmp_path: Path, central_service: tuple[str, CentralAdmin], make_code, message) -> None:
    url, admin = central_service
    code, out = _kiosk("--config", str(write_config(tmp_path, url)), "provision", "--code", make_code(admin))
    assert code == 1 and message in out
    assert not any(p.exists() for p in _secret_files(tmp_path).values())


def test_a_used_code_is_refused(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    enrolment_code = admin.enrolment_code("BR001")
    assert _kiosk("--config", str(write_config(tmp_path, url)), "provision", "--code", enrolment_code)[0] == 0
    code, out = _kiosk("--config", str(write_config(tmp_path, url)), "provision", "--code", enrolment_code, "--force")
    assert code == 1 and "used before" in out


def test_a_code_of_another_branch_writes_nothing(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    config = str(write_config(tmp_path, url))
    code, out = _kiosk("--config", config, "provision", "--code", admin.enrolment_code("BR002"))
    assert code == 1 and "belongs to branch BR002" in out
    assert not any(p.exists() for p in _secret_files(tmp_path).values())


def test_central_option_overrides_the_config(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    config = str(write_config(tmp_path, "http://127.0.0.1:9"))
    code, out = _kiosk("--config", config, "provision", "--code", admin.enrolment_code("BR001"), "--central", url)
    assert code == 0, out


def test_a_config_without_key_path_is_refused_before_enrolling(tmp_path: Path,
                                                               central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    config = write_config(tmp_path, url)
    config.write_text(config.read_text(encoding="utf-8").replace("token_keys =", "# token_keys ="), encoding="utf-8")
    enrolment_code = admin.enrolment_code("BR001")
    code, out = _kiosk("--config", str(config), "provision", "--code", enrolment_code)
    assert code == 1 and "paths.token_keys" in out
    assert admin.store.use_enrolment_code(enrolment_code) == "BR001"  # still unused


def test_unreachable_service_says_so(tmp_path: Path) -> None:
    code, out = _kiosk("--config", str(write_config(tmp_path, "http://127.0.0.1:9")), "provision", "--code",
                       "AAAA-BBBB-CCCC")
    assert code == 1 and "enrolment failed: Unavailable" in out


def test_write_private_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "new" / "secret"
    write_private(target, b"one")
    write_private(target, b"two")
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["secret"]


def test_a_credential_the_config_has_no_place_for_is_reported(tmp_path: Path,
                                                              central_service: tuple[str, CentralAdmin]) -> None:
    """The reference service issues bearer tokens only; a cert-only config gets a clear message, no stray files."""
    url, admin = central_service
    pki = tmp_path / "pki"
    config = write_config(tmp_path, url, central={"url": url, "client_cert": str(pki / "kiosk.pem"),
                                                  "client_key": str(pki / "kiosk.key")})
    text = config.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith("bearer_token_file")]
    config.write_text("\n".join(kept), encoding="utf-8")
    code, out = _kiosk("--config", str(config), "provision", "--code", admin.enrolment_code("BR001"))
    assert code == 1 and "issued a bearer token, which this config has no place for" in out
    assert not pki.exists() and not _secret_files(tmp_path)["keys"].exists()
