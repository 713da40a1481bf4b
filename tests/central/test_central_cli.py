"""`central seed | db upgrade | kiosk add | enrolment-code | serve` with a TOML config."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from central_api_client import tokens
from central_service.central import load_signing_keys
from central_service.cli import cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def _config(tmp_path: Path, **extra: object) -> str:
    lines = ["[central]", f'database = "sqlite:///{tmp_path / "c.sqlite"}"', f'key_dir = "{tmp_path / "keys"}"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    path = tmp_path / "central.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_seed_writes_appointments_and_verifiable_tokens(tmp_path: Path) -> None:
    out = tmp_path / "tokens.jsonl"
    code, output = _run("--config", _config(tmp_path), "seed", "--per-branch", "5", "--branch", "BJ001",
                        "--branch", "SH002", "--rng-seed", "4", "--tokens-out", str(out))
    assert code == 0, output
    assert "seeded 10 appointments in 2 branches" in output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    key = load_signing_keys(tmp_path / "keys")[0]
    ring = tokens.KeyRing({key.key_id: key.public_key})
    for line in lines:
        token = tokens.verify(line["token"], ring, branch_id=line["branch_id"], now=tokens.datetime.now(tokens.UTC),
                              consume=None)
        assert token.appointment_id == line["appointment_id"]


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from central_service import migrations

    config = Config()
    config.set_main_option("script_location", str(migrations.HERE))
    return ScriptDirectory.from_config(config).get_current_head()


def test_db_upgrade_kiosk_add_and_enrolment_code(tmp_path: Path) -> None:
    config = _config(tmp_path)
    code, output = _run("--config", config, "db", "upgrade")
    assert code == 0 and f"schema at revision {_head()}" in output, output
    code, output = _run("--config", config, "kiosk", "add", "BJ001", "--name", "lobby-1")
    assert code == 0 and output.startswith("kiosk k-bj001-") and "bearer " in output, output
    code, output = _run("--config", config, "enrolment-code", "BJ001")
    assert code == 0 and len(output.strip()) == 14, output


def test_serve_refuses_plain_http_off_loopback_and_workers_on_sqlite(tmp_path: Path) -> None:
    code, output = _run("--config", _config(tmp_path), "serve", "--host", "0.0.0.0")
    assert code != 0 and "loopback" in output
    code, output = _run("--config", _config(tmp_path), "serve", "--workers", "2")
    assert code != 0 and "PostgreSQL" in output


def test_config_names_an_unknown_key_and_a_wrong_type(tmp_path: Path) -> None:
    code, output = _run("--config", _config(tmp_path, databse="x"), "db", "upgrade")
    assert code != 0 and "central.databse: unknown key" in output
    code, output = _run("--config", _config(tmp_path, port="80"), "db", "upgrade")
    assert code != 0 and "central.port: expected int, got str" in output


def test_the_deployed_example_config_loads() -> None:
    from central_service.settings import load_settings

    example = Path(__file__).resolve().parents[2] / "deploy" / "central.example.toml"
    settings = load_settings(example)
    assert settings.is_postgres and settings.workers == 4 and settings.ssl_certfile and settings.host == "0.0.0.0"
