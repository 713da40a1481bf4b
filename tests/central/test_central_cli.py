"""`kiosk central-sim seed` and `serve` (the click group the lead mounts)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from central_api_client import tokens
from central_sim.app import load_signing_keys
from central_sim.cli import central_sim_cli


def test_seed_writes_appointments_and_verifiable_tokens(tmp_path: Path) -> None:
    out = tmp_path / "tokens.jsonl"
    args = ["seed", "--db", str(tmp_path / "c.sqlite"), "--key-dir", str(tmp_path / "keys"), "--per-branch", "5",
            "--branch", "BJ001", "--branch", "SH002", "--rng-seed", "4", "--tokens-out", str(out)]
    result = CliRunner().invoke(central_sim_cli, args)
    assert result.exit_code == 0, result.output
    assert "seeded 10 appointments in 2 branches" in result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    key = load_signing_keys(tmp_path / "keys")[0]
    ring = tokens.KeyRing({key.key_id: key.public_key})
    for line in lines:
        token = tokens.verify(line["token"], ring, branch_id=line["branch_id"], now=tokens.datetime.now(tokens.UTC),
                              consume=None)
        assert token.appointment_id == line["appointment_id"]


def test_serve_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    result = CliRunner().invoke(central_sim_cli, ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "c.sqlite")])
    assert result.exit_code != 0 and "loopback" in result.output
