"""`central`: run and administer the appointment service — serve | seed | db upgrade | kiosk add |
enrolment-code | staff | sms | keys rotate | retention report/purge. Settings come from a TOML file (`--config`,
`[central]` table) with options on top.

Plain HTTP is for loopback only: a node that listens on another address must serve TLS (`ssl_certfile`).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from central_service.settings import Settings, SettingsError, load_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


def _prepare(settings: Settings) -> None:
    if settings.database.startswith("sqlite:///"):
        Path(settings.database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _central(settings: Settings) -> Any:
    from central_service.app import build_central

    _prepare(settings)
    return build_central(settings)


@click.group(name="central", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), default=None,
              envvar="CENTRAL_CONFIG", help="TOML file with a [central] table.")
@click.option("--database", default=None, help="sqlite:///PATH (embedded) or postgresql://... (fleet).")
@click.option("--key-dir", default=None, help="Where the QR signing keys live.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, database: str | None, key_dir: str | None) -> None:
    """The central appointment service."""
    try:
        settings = load_settings(config_path)
    except (SettingsError, OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from None
    ctx.obj = settings.with_overrides(database=database, key_dir=key_dir)


@cli.command()
@click.option("--host", default=None, help="Address to listen on (non-loopback needs TLS).")
@click.option("--port", default=None, type=int)
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Worker processes (PostgreSQL).")
@click.option("--admin-token", default=None, help="Admin endpoint token (random if not given).")
@click.option("--ssl-certfile", default=None, type=click.Path(dir_okay=False, exists=True))
@click.option("--ssl-keyfile", default=None, type=click.Path(dir_okay=False, exists=True))
@click.option("--ssl-ca-certs", default=None, type=click.Path(dir_okay=False, exists=True),
              help="The enrolment CA; with --require-client-cert kiosks must present a certificate it signed.")
@click.option("--require-client-cert", is_flag=True, default=None)
@click.option("--print-sms", is_flag=True, default=None,
              help="Dev mode: print every text the simulated SMS gateway sends (sign-in codes) on stdout.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, admin_token: str | None,
          ssl_certfile: str | None, ssl_keyfile: str | None, ssl_ca_certs: str | None,
          require_client_cert: bool | None, print_sms: bool | None) -> None:
    """Serve until interrupted (migrates the store first)."""
    from central_service.logs import configure_logging
    from central_service.serve import ENV_JSON_LOGS
    from central_service.serve import serve as run

    settings = _settings(ctx).with_overrides(
        host=host, port=port, workers=workers, admin_token=admin_token, ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile, ssl_ca_certs=ssl_ca_certs, ssl_require_client_cert=require_client_cert,
        print_sms=print_sms)
    if settings.host not in LOOPBACK and not settings.ssl_certfile:
        raise click.BadParameter("plain HTTP listens on loopback only; give --ssl-certfile to serve elsewhere",
                                 param_hint="--host")
    if settings.workers > 1 and not settings.is_postgres:
        raise click.BadParameter("several workers need the PostgreSQL store (long-poll wake-ups cross processes "
                                 "through LISTEN/NOTIFY)", param_hint="--workers")
    if settings.admin_token is None:
        import secrets

        settings = replace(settings, admin_token=secrets.token_urlsafe(24))
        click.echo(f"admin token: {settings.admin_token}")
    _prepare(settings)
    configure_logging(settings.log_level)
    os.environ[ENV_JSON_LOGS] = "1"
    scheme = "https" if settings.ssl_certfile else "http"
    click.echo(f"central listening on {scheme}://{settings.host}:{settings.port} ({settings.workers} worker(s))")
    run(settings)


@cli.command()
@click.option("--branch", "branches", multiple=True, help="Branch ids (default: all demo branches).")
@click.option("--per-branch", default=50, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--rng-seed", default=None, type=int, help="Same seed, same people.")
@click.option("--tokens-out", type=click.Path(dir_okay=False), default=None,
              help="Write one JSON line per appointment with its QR token.")
@click.pass_context
def seed(ctx: click.Context, branches: tuple[str, ...], per_branch: int, rng_seed: int | None,
         tokens_out: str | None) -> None:
    """Add realistic appointments (all kinds, several branches) with their QR tokens."""
    from central_service.admin import CentralAdmin
    from central_service.seed import BRANCHES

    central = _central(_settings(ctx))
    try:
        chosen = list(branches or BRANCHES)
        seeded = CentralAdmin(central).seed(chosen, per_branch, rng_seed=rng_seed, with_tokens=tokens_out is not None)
        if tokens_out:
            with open(tokens_out, "w", encoding="utf-8") as out:
                for s in seeded:
                    out.write(json.dumps({"appointment_id": s.appointment_id, "branch_id": s.branch_id,
                                          "kind": s.kind, "token": s.token}) + "\n")
        kinds = {k: sum(1 for s in seeded if s.kind == k) for k in ("individual", "payroll", "walk_in")}
        click.echo(f"seeded {len(seeded)} appointments in {len(chosen)} branches: {kinds}")
    finally:
        central.store.db.dispose()


@cli.group()
def db() -> None:
    """The store's schema."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Migrate the store to the newest schema (idempotent)."""
    from central_service.db import make_engine
    from central_service.migrations import current
    from central_service.migrations import upgrade as migrate

    settings = _settings(ctx)
    _prepare(settings)
    engine = make_engine(settings.database, pool_size=1)
    try:
        migrate(engine)
        click.echo(f"schema at revision {current(engine)}")
    finally:
        engine.dispose()


@cli.group()
def kiosk() -> None:
    """Kiosks of the fleet."""


@kiosk.command("add")
@click.argument("branch_id")
@click.option("--name", default=None)
@click.pass_context
def kiosk_add(ctx: click.Context, branch_id: str, name: str | None) -> None:
    """Register a kiosk of BRANCH_ID; prints its id and bearer token (shown once)."""
    central = _central(_settings(ctx))
    try:
        added, token = central.store.add_kiosk(branch_id, name)
        click.echo(f"kiosk {added.kiosk_id} of {added.branch_id}: bearer {token}")
    finally:
        central.store.db.dispose()


@cli.command("enrolment-code")
@click.argument("branch_id")
@click.option("--ttl", "ttl_s", default=3600, show_default=True, type=click.IntRange(60, 7 * 86400),
              help="Seconds the code stays valid.")
@click.pass_context
def enrolment_code(ctx: click.Context, branch_id: str, ttl_s: int) -> None:
    """A one-time enrolment code for a new kiosk of BRANCH_ID (`kiosk provision --code ...`)."""
    central = _central(_settings(ctx))
    try:
        click.echo(central.store.new_enrolment_code(branch_id, ttl_s))
    finally:
        central.store.db.dispose()


@cli.command()
@click.argument("phone")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 100))
@click.pass_context
def sms(ctx: click.Context, phone: str, limit: int) -> None:
    """The texts the simulated SMS gateway sent to PHONE, newest first (the demo's "phone")."""
    from central_service.sms import SimulatedSmsGateway

    central = _central(_settings(ctx))
    try:
        for message in SimulatedSmsGateway(central.store.db).messages(phone, limit=limit):
            click.echo(message.body)
    finally:
        central.store.db.dispose()


@cli.group()
def keys() -> None:
    """Master and data keys of encryption at rest (docs/security.md)."""


@keys.command("rotate")
@click.pass_context
def keys_rotate(ctx: click.Context) -> None:
    """New master key; every data key re-wrapped under it; a new data key for new writes. Data is not rewritten."""
    settings = _settings(ctx)
    if not settings.key_dir:
        raise click.BadParameter("the keys live in memory (no key_dir): nothing to rotate", param_hint="--key-dir")
    central = _central(settings)
    try:
        report = central.store.fields.rotate()
    finally:
        central.store.db.dispose()
    click.echo(f"master key {report.master_key_id}: {report.rewrapped} data key(s) re-wrapped; "
               f"new writes use data key {report.data_key_id}")
    if report.retired_masters:
        click.echo(f"retired master key(s): {', '.join(report.retired_masters)}")


@keys.command("reseal")
@click.pass_context
def keys_reseal(ctx: click.Context) -> None:
    """Rewrite every sealed column under the current data key (and seal values stored before encryption)."""
    from central_service.crypto.reseal import reseal

    central = _central(_settings(ctx))
    try:
        done = reseal(central.store.fields)
    finally:
        central.store.db.dispose()
    for column, count in done.items():
        click.echo(f"{column}: {count} value(s) resealed")


@cli.group()
def retention() -> None:
    """What personal data the store holds, and purging what is past its period (retention_*_days settings)."""


@retention.command("report")
@click.pass_context
def retention_report(ctx: click.Context) -> None:
    """One line per kind of row: how many hold personal data, how many are past their period, the oldest."""
    from central_service.retention import Periods, Retention

    settings = _settings(ctx)
    central = _central(settings)
    try:
        lines = Retention(central.store, Periods.from_settings(settings)).report()
    finally:
        central.store.db.dispose()
    click.echo(f"{'kind':<24} {'held':>8} {'due':>8}  {'period':>6}  oldest")
    for h in lines:
        click.echo(f"{h.kind:<24} {h.held:>8} {h.due:>8}  {h.period_days:>5}d  {h.oldest or '-'}")


@retention.command("purge")
@click.pass_context
def retention_purge(ctx: click.Context) -> None:
    """Purge the personal data past its period (idempotent; run it daily, e.g. from a systemd timer)."""
    from central_service.retention import Periods, Retention

    settings = _settings(ctx)
    central = _central(settings)
    try:
        done = Retention(central.store, Periods.from_settings(settings)).purge()
    finally:
        central.store.db.dispose()
    for kind, count in done.items():
        click.echo(f"{kind}: {count} purged")


def _register_groups() -> None:
    from central_service.staff.cli import staff_group

    cli.add_command(staff_group)


_register_groups()


@cli.command()
@click.option("--out", "out_dir", default="docs/screens/phone", show_default=True, type=click.Path(file_okay=False))
def screens(out_dir: str) -> None:
    """Screenshots of every phone page at 390x844 in zh_CN and en (needs the test extras and Debian's chromium)."""
    import tempfile

    from central_service.phone.gallery import render_gallery
    from central_service.testing import RunningService, sqlite_settings

    with tempfile.TemporaryDirectory() as tmp, RunningService(sqlite_settings(Path(tmp))) as service:
        written = render_gallery(Path(out_dir), service)
    click.echo(f"{len(written)} screenshots in {out_dir} (index.html)")


def main() -> None:
    cli(prog_name="central")
