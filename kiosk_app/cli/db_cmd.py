"""`kiosk db migrate|status`: the local database's schema and health."""

from __future__ import annotations

import click

from kiosk_app.cli.context import CliContext, pass_cli
from sync_agent import journal
from sync_agent.localdb import LocalDb, LocalDbError


@click.group("db")
def db_group() -> None:
    """The kiosk's local database."""


def _open(ctx: CliContext) -> LocalDb:
    path = ctx.config().paths.database
    try:
        return LocalDb(path)
    except LocalDbError as exc:
        raise click.ClickException(str(exc)) from exc


@db_group.command("migrate")
@pass_cli
def migrate(ctx: CliContext) -> None:
    """Bring the database schema up to date (safe to run again)."""
    with _open(ctx) as db:
        try:
            applied = db.migrate()
        except LocalDbError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"schema version {db.schema_version()}: applied {len(applied)} migration(s)")
        for name in applied:
            click.echo(f"  + {name}")


@db_group.command("status")
@pass_cli
def status(ctx: CliContext) -> None:
    """Schema version, row counts and whether the journal chain is intact; exit 1 if it is broken."""
    with _open(ctx) as db:
        st = db.status()
        click.echo(f"database: {st.path}")
        click.echo(f"schema version: {st.schema_version} of {st.latest_version}")
        if st.pending:
            click.echo(f"pending migrations: {', '.join(st.pending)} (run `kiosk db migrate`)")
        for table, count in st.row_counts.items():
            click.echo(f"  {table}: {count} rows")
        if "journal" not in st.row_counts:
            return
        report = journal.verify_chain(db)
        if report.intact:
            click.echo(f"journal chain: intact ({report.rows} rows)")
        else:
            click.echo(f"journal chain: BROKEN at row {report.broken_at}: {report.reason}")
            raise SystemExit(1)
