"""`kiosk update BUNDLE`: install a release signed by the bank, keep it only if the app comes up healthy.

Run as root (it restarts the app's service and writes the release tree). The signature is `BUNDLE.sig`
unless `--signature` names another file. Exit 0 when installed, 1 when refused or rolled back.
"""

from __future__ import annotations

from pathlib import Path

import click

from kiosk_app.cli.context import CliContext, pass_cli
from kiosk_app.update.bundle import UpdateError, load_release_key, verify
from kiosk_app.update.install import InstallSettings, install


@click.command("update")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signature", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The detached Ed25519 signature (base64); default BUNDLE.sig.")
@pass_cli
def update(ctx: CliContext, bundle: Path, signature: Path | None) -> None:
    """Verify BUNDLE with the bank's release key, switch to it, restart the app, roll back if it is not healthy."""
    u = ctx.config().update
    if u.release_key is None:
        raise click.ClickException("update.release_key is not set in the config")
    settings = InstallSettings(u.root, u.restart_command, u.health_file, u.health_timeout_s)
    try:
        release = verify(bundle, signature or Path(f"{bundle}.sig"), load_release_key(u.release_key))
        click.echo(f"bundle {bundle.name}: signature good, release {release.version}")
        status = install(release, settings)
    except UpdateError as exc:
        raise click.ClickException(f"update refused: {exc}") from exc
    click.echo(f"release {status.version}: {status.outcome} ({status.detail})")
    if status.outcome != "installed":
        raise SystemExit(1)
