"""`kiosk sync` runs the sync agent until SIGTERM; `kiosk sync status` prints its health.

The agent gets plain settings from kiosk.toml here; it never imports the kiosk app. Device status for the
heartbeat is what the kiosk app last published in the database (`sync_agent.heartbeat.publish_report`).
"""

from __future__ import annotations

import json
from dataclasses import replace

import click

from kiosk_app import __version__
from kiosk_app.central_link import central_client
from kiosk_app.cli.context import CliContext, pass_cli
from kiosk_app.config import KioskConfig
from kiosk_app.logs.setup import configure_logging
from kiosk_app.update.install import InstallSettings
from kiosk_app.update.status import read_status
from sync_agent import health
from sync_agent.agent import AgentSettings, SyncAgent
from sync_agent.central import CentralRemote
from sync_agent.heartbeat import KioskReport, stored_report
from sync_agent.localdb import LocalDb, LocalDbError


def _settings(cfg: KioskConfig) -> AgentSettings:
    s = cfg.sync
    return AgentSettings(db_path=str(cfg.paths.database), branch_id=cfg.kiosk.branch_id, page_size=s.page_size,
                         long_poll_s=s.long_poll_s, heartbeat_s=s.heartbeat_s,
                         retention_grace_h=s.retention_grace_h, app_version=__version__)


@click.group("sync", invoke_without_command=True)
@click.pass_context
def sync_group(ctx: click.Context) -> None:
    """Keep the kiosk's database in step with the central service (runs until SIGTERM)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(run)


@sync_group.command("run")
@pass_cli
def run(ctx: CliContext) -> None:
    """Run the sync agent in the foreground until SIGTERM or Ctrl-C."""
    cfg = ctx.config()
    configure_logging(cfg.logging.destination, level=cfg.logging.level, log_dir=cfg.paths.log_dir,
                      max_bytes=cfg.logging.max_bytes, backups=cfg.logging.backups, process="kiosk-sync")
    settings = _settings(cfg)
    with central_client(cfg) as client, LocalDb(settings.db_path) as status_db:
        agent = SyncAgent(settings, CentralRemote(client), lambda: heartbeat_report(status_db, cfg))
        agent.run()


def heartbeat_report(db: LocalDb, cfg: KioskConfig) -> KioskReport:
    """What the app last published, plus the last update's outcome (`kiosk update` records it beside releases)."""
    report = stored_report(db)
    update = read_status(InstallSettings.status_path(cfg.update.root))
    return replace(report, last_update=update.as_heartbeat()) if update else report


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the health as one JSON object.")
@pass_cli
def status(ctx: CliContext, as_json: bool) -> None:
    """Online, offline or degraded, and why; last pull and push; queue depth. Exit 1 unless online."""
    try:
        with LocalDb(ctx.config().paths.database) as db:
            db.migrate()
            h = health.read_health(db)
    except LocalDbError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(h.as_dict(), ensure_ascii=False))
    else:
        _print(h)
    if h.state != "online":
        raise SystemExit(1)


def _print(h: health.Health) -> None:
    click.echo(f"sync: {h.state}")
    click.echo(f"  last pull:  {h.last_pull_ok_at or 'never'}")
    click.echo(f"  last push:  {h.last_push_ok_at or 'never'}")
    click.echo(f"  queue:      {h.queue_pending} pending, {h.queue_quarantined} quarantined")
    offset = "unknown" if h.clock_offset_s is None else f"{h.clock_offset_s:+.1f} s"
    click.echo(f"  clock:      {offset} from the central service")
    if h.resync_in_progress:
        click.echo("  full resync in progress")
    for reason in h.reasons:
        click.echo(f"  - {reason}")
