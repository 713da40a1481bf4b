"""`kiosk doctor`: open every configured device and check what the kiosk needs; one line each, exit 1 on trouble.

Run it with the kiosk app stopped (`systemctl stop kiosk-app`): it opens the same serial ports and a second
opener would steal bytes from the first. With `--dev` it starts the emulators, as the app would.
"""

from __future__ import annotations

import json

import click

from kiosk_app.cli.context import CliContext, pass_cli, report_config_error
from kiosk_app.config import ConfigError, KioskConfig, load_config
from kiosk_app.config.loader import default_path, dev_config_path
from kiosk_app.devices import open_devices
from kiosk_app.devices_checks import Check, camera_check, config_check, device_checks, system_checks


def run_checks(cfg: KioskConfig, source: str) -> list[Check]:
    """Every check in report order: config, the devices, the camera, then database, pcscd, font, central."""
    checks = [config_check(source)]
    with open_devices(cfg) as devices:
        checks += device_checks(cfg, devices)
    return [*checks, camera_check(cfg), *system_checks(cfg)]


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
@pass_cli
def doctor(ctx: CliContext, as_json: bool) -> None:
    """Check every device, the database, pcscd, the CJK font and the central service; exit 1 if any fails."""
    source = str(dev_config_path() if ctx.dev else default_path(ctx.config_path))
    try:
        cfg = load_config(ctx.config_path, dev=ctx.dev)
    except ConfigError as exc:
        report_config_error(exc)
        _emit([Check("config", False, "invalid", where=source, details={"fix": "kiosk config check"})], as_json)
        raise SystemExit(1) from exc
    checks = run_checks(cfg, source)
    _emit(checks, as_json, f"kiosk doctor: branch {cfg.kiosk.branch_id}, kiosk {cfg.kiosk.kiosk_id}")
    if not all(c.ok for c in checks):
        raise SystemExit(1)


def _emit(checks: list[Check], as_json: bool, title: str = "kiosk doctor") -> None:
    failed = [c.name for c in checks if not c.ok]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "checks": [c.as_dict() for c in checks]}, ensure_ascii=False))
        return
    click.echo(title)
    for check in checks:
        click.echo(f"  {check.line()}")
    click.echo(f"doctor: {'all good' if not failed else 'problems with ' + ', '.join(failed)}")
