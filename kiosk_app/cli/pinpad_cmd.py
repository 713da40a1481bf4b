"""`kiosk pinpad load-key FILE` and `kiosk pinpad status`: the working key on the kiosk's serial PIN pad.

Branch IT runs these with the app stopped (one opener per serial port). The file comes from the bank's key
host: the working key wrapped under the pad's master key, with its key check value; the pad and the driver
both check the KCV, so a key the pad would decrypt to something else is never used.
"""

from __future__ import annotations

from pathlib import Path

import click

from drivers.errors import DeviceError
from drivers.pinpad import PinPad
from kiosk_app.cli.context import CliContext, pass_cli
from kiosk_app.config import KioskConfig
from kiosk_app.pinpad_key import (
    KeyDeliveryError,
    KeyLoadError,
    KeyNotLoaded,
    load_delivered_key,
    loaded_key,
    read_delivery,
)


@click.group("pinpad")
def pinpad_group() -> None:
    """The encrypting PIN pad's working key."""


def _serial_pad(cfg: KioskConfig) -> PinPad:
    """The configured serial pad, opened. Raises ClickException for an emulated/disabled pad or a dead port."""
    dev = cfg.devices.pinpad
    if dev.driver != "serial":
        raise click.ClickException(f"devices.pinpad.driver is {dev.driver!r}: keys are loaded into a serial pad only")
    pad = PinPad(dev.port, dev.baudrate, command_timeout=dev.timeout_s)
    try:
        pad.open()
    except DeviceError as exc:
        raise click.ClickException(f"cannot open the PIN pad on {dev.port}: {exc}") from exc
    return pad


@pinpad_group.command("load-key")
@click.argument("delivery_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_cli
def load_key(ctx: CliContext, delivery_file: Path) -> None:
    """Load the working key in DELIVERY_FILE (from the bank's key host) into devices.pinpad.key_slot."""
    cfg = ctx.config()
    try:
        delivery = read_delivery(delivery_file)
    except KeyDeliveryError as exc:
        raise click.ClickException(f"{delivery_file}: {exc}") from exc
    with _serial_pad(cfg) as pad:
        try:
            key = load_delivered_key(pad, cfg.devices.pinpad, delivery)
        except (KeyLoadError, DeviceError) as exc:
            raise click.ClickException(f"working key {delivery.key_id} not loaded: {exc}") from exc
    click.echo(f"working key {key.key_id} ({key.algorithm.name}) loaded in slot {key.key_slot} "
               f"under master slot {key.master_slot}, KCV {key.kcv.hex().upper()} checked")


@pinpad_group.command("status")
@pass_cli
def status(ctx: CliContext) -> None:
    """Whether the pad holds the configured working key (exit 1 if not)."""
    cfg = ctx.config()
    with _serial_pad(cfg) as pad:
        try:
            key = loaded_key(pad, cfg.devices.pinpad)
        except (KeyNotLoaded, DeviceError) as exc:
            click.echo(f"PIN pad: {exc}", err=True)
            raise SystemExit(1) from exc
    click.echo(f"PIN pad holds working key {key.key_id} in slot {key.key_slot}")
