"""`kiosk config check [PATH]`: validate a config file before it reaches a kiosk."""

from __future__ import annotations

import click

from kiosk_app.cli.context import CliContext, pass_cli, report_config_error
from kiosk_app.config import ConfigError, load_config


@click.group("config")
def config_group() -> None:
    """Inspect the kiosk configuration."""


@config_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@pass_cli
def check(ctx: CliContext, path: str | None) -> None:
    """Validate PATH (or the configured file); print one line per problem; exit 2 when invalid."""
    try:
        cfg = load_config(path or ctx.config_path, dev=ctx.dev and not path)
    except ConfigError as exc:
        report_config_error(exc)
        raise SystemExit(2) from exc
    click.echo(
        f"config OK: branch {cfg.kiosk.branch_id}, kiosk {cfg.kiosk.kiosk_id}, central {cfg.central.url}, "
        f"database {cfg.paths.database}"
    )
