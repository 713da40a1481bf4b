"""The one command-line entry point, `kiosk`: every subcommand does real work or does not exist."""

from __future__ import annotations

import importlib
import importlib.util

import click

from kiosk_app import __version__
from kiosk_app.cli.app_cmd import app
from kiosk_app.cli.config_cmd import config_group
from kiosk_app.cli.context import CliContext
from kiosk_app.cli.db_cmd import db_group
from kiosk_app.cli.doctor_cmd import doctor
from kiosk_app.cli.pinpad_cmd import pinpad_group
from kiosk_app.cli.provision_cmd import provision
from kiosk_app.cli.screens_cmd import screens
from kiosk_app.cli.staff_cmd import staff_group
from kiosk_app.cli.sync_cmd import sync_group
from kiosk_app.cli.update_cmd import update

# Commands that need the central appointment service (not in a kiosk bundle: kiosk.spec excludes it), loaded
# only when called, so `kiosk` starts without them and lists them only where they can run. `kiosk central ...`
# is the service's own `central` command, for a developer's machine.
LAZY = {"central": ("central_service.cli", "cli"), "demo": ("kiosk_app.cli.demo_cmd", "demo")}


class LazyGroup(click.Group):
    def _available(self, name: str) -> bool:
        return importlib.util.find_spec("central_service") is not None and name in LAZY

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *(n for n in LAZY if self._available(n))])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY and self._available(name):
            module, attr = LAZY[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kiosk")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Config file (default: $KIOSK_CONFIG, then /etc/branch-kiosk/kiosk.toml).",
)
@click.option("--dev", is_flag=True, help="Use the packaged development config: emulated devices, local central.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, dev: bool) -> None:
    """Branch kiosk: self-service account opening."""
    ctx.obj = CliContext(config_path=config_path, dev=dev)


cli.add_command(config_group)
cli.add_command(db_group)
cli.add_command(sync_group)
cli.add_command(doctor)
cli.add_command(provision)
cli.add_command(app)
cli.add_command(staff_group)
cli.add_command(pinpad_group)
cli.add_command(update)
cli.add_command(screens)


def main() -> None:
    cli(prog_name="kiosk")
