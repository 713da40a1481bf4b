"""`kiosk staff set-pin ID`: give a lobby manager a PIN for the kiosk (stored as an scrypt hash)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from kiosk_app.cli.context import CliContext, pass_cli
from kiosk_app.flow.staff import hash_pin


@click.group("staff")
def staff_group() -> None:
    """Lobby managers who may log in on this kiosk."""


@staff_group.command("set-pin")
@click.argument("staff_id")
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True, help="6 to 12 digits.")
@pass_cli
def set_pin(ctx: CliContext, staff_id: str, pin: str) -> None:
    """Set STAFF_ID's PIN in paths.staff_file (written atomically, mode 0600)."""
    path = ctx.config().paths.staff_file
    if path is None:
        raise click.ClickException("paths.staff_file is not set in the config")
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise click.ClickException("the PIN must be 6 to 12 digits")
    staff = json.loads(Path(path).read_text(encoding="utf-8")) if Path(path).exists() else {}
    staff[staff_id] = hash_pin(pin)
    tmp = Path(f"{path}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(staff, f, indent=1)
    os.replace(tmp, path)
    click.echo(f"PIN set for {staff_id} ({len(staff)} staff in {path})")
