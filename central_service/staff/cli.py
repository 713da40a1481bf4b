"""`central staff add|revoke|set-pin|list|seed`: the staff directory from the command line (branch IT)."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from pathlib import Path

import click

from central_service.auth import totp
from central_service.auth.passwords import PasswordTooWeak
from central_service.auth.principal import Principal
from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory, StaffError
from central_service.staff.roles import UnknownRole, parse_roles


def _audit(directory: StaffDirectory, action: str, staff_id: str, branch_id: str) -> None:
    """Directory changes made at the command line are audited too, under the operating-system user."""
    actor = Principal("cli", getpass.getuser()[:64] or "unknown", branch_id, frozenset())
    AuditLog(directory.db, clock=directory.clock).append(actor, action, detail={"staff_id": staff_id})


@contextlib.contextmanager
def _directory(ctx: click.Context) -> Iterator[StaffDirectory]:
    """The directory on the configured store (migrated to head, as every `central` command does); a refused
    change becomes the command's error message."""
    from central_service.app import build_central

    settings = ctx.obj
    if settings.database.startswith("sqlite:///"):
        Path(settings.database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    central = build_central(settings)
    try:
        yield StaffDirectory(central.store.db, clock=central.store.clock)
    except (StaffError, UnknownRole, PasswordTooWeak) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        central.store.db.dispose()


@click.group("staff")
def staff_group() -> None:
    """Staff accounts, roles and kiosk PINs."""


@staff_group.command("add")
@click.argument("staff_id")
@click.option("--branch", "branch_id", required=True)
@click.option("--name", required=True)
@click.option("--roles", required=True, help="Comma-separated: teller, lobby_manager, branch_it, payroll_officer.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
@click.option("--pin", default=None, help="Kiosk PIN for a lobby manager (6 to 12 digits).")
@click.pass_context
def add(ctx: click.Context, staff_id: str, branch_id: str, name: str, roles: str, password: str,
        pin: str | None) -> None:
    """Create STAFF_ID; prints the TOTP link for the authenticator app (shown once)."""
    with _directory(ctx) as directory:
        secret = directory.add(staff_id, branch_id, name, parse_roles(roles), password, pin)
        _audit(directory, "staff_add", staff_id, branch_id)
    click.echo(f"added {staff_id} ({branch_id}); TOTP: {totp.provisioning_uri(secret, staff_id)}")


@staff_group.command("revoke")
@click.argument("staff_id")
@click.pass_context
def revoke(ctx: click.Context, staff_id: str) -> None:
    """Close STAFF_ID's account; its kiosk PIN stops working at the branch's kiosks within a minute."""
    with _directory(ctx) as directory:
        member = directory.revoke(staff_id)
        _audit(directory, "staff_revoke", staff_id, member.branch_id)
    click.echo(f"revoked {member.staff_id} ({member.branch_id})")


@staff_group.command("set-pin")
@click.argument("staff_id")
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True, help="6 to 12 digits.")
@click.pass_context
def set_pin(ctx: click.Context, staff_id: str, pin: str) -> None:
    """Give lobby manager STAFF_ID a new kiosk PIN (reaches the branch's kiosks with their next fetch)."""
    with _directory(ctx) as directory:
        directory.set_pin(staff_id, pin)
        _audit(directory, "staff_set_pin", staff_id, directory.get(staff_id).branch_id)  # type: ignore[union-attr]
    click.echo(f"PIN set for {staff_id}")


@staff_group.command("list")
@click.option("--branch", "branch_id", default=None)
@click.pass_context
def list_(ctx: click.Context, branch_id: str | None) -> None:
    """One line per account: id, branch, roles, PIN, state."""
    with _directory(ctx) as directory:
        members = directory.members(branch_id)
    for m in members:
        state = "revoked" if m.revoked else "active"
        pin = "pin" if m.has_pin else "-"
        click.echo(f"{m.staff_id}\t{m.branch_id}\t{','.join(sorted(m.roles))}\t{pin}\t{state}")


@staff_group.command("seed")
@click.option("--branch", "branches", multiple=True, help="Branch ids (default: all demo branches).")
@click.pass_context
def seed(ctx: click.Context, branches: tuple[str, ...]) -> None:
    """Demo staff per branch (password demo-password-2026, PIN 246810); prints their TOTP secrets."""
    from central_service.seed import BRANCHES
    from central_service.staff.seed import DEMO_PASSWORD, seed_staff

    with _directory(ctx) as directory:
        made = seed_staff(directory, list(branches or BRANCHES))
    for person in made:
        click.echo(f"{person.staff_id}\t{person.branch_id}\t{person.role.value}\ttotp-secret {person.totp_secret}")
    click.echo(f"{len(made)} demo staff added (password {DEMO_PASSWORD})")
