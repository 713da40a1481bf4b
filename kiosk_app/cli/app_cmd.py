"""`kiosk app`: the touchscreen app on this kiosk's devices and central service (systemd runs it)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kiosk_app import __version__
from kiosk_app.central_link import central_client
from kiosk_app.cli.context import CliContext, pass_cli
from kiosk_app.cli.provision_cmd import load_token_keys
from kiosk_app.logs import configure_logging
from kiosk_app.update.health import mark_healthy


@click.command("app")
@pass_cli
def app(ctx: CliContext) -> None:
    """Start the kiosk app (needs a display; SDL_VIDEODRIVER=x11 or wayland on a kiosk)."""
    cfg = ctx.config()
    configure_logging(cfg.logging.destination, level=cfg.logging.level, log_dir=cfg.paths.log_dir,
                      max_bytes=cfg.logging.max_bytes, backups=cfg.logging.backups, process="kiosk-app")
    if cfg.paths.token_keys is None or not Path(cfg.paths.token_keys).exists():
        raise click.ClickException("no QR token keys: run `kiosk provision` first (paths.token_keys)")
    keys = load_token_keys(cfg.paths.token_keys)
    # The app's parts load here, not when `kiosk` starts: `kiosk --version` or `config check` need none of them.
    from kiosk_app.devices import open_devices
    from kiosk_app.devices_checks import device_checks
    from kiosk_app.flow.manager import ManagerConsole
    from kiosk_app.runtime import build_runtime, load_staff

    devices = open_devices(cfg)
    if devices.errors:
        for name, error in devices.errors.items():
            click.echo(f"device {name}: {error}", err=True)
    if devices.pinpad_key is None:
        devices.close()
        raise click.ClickException("the PIN pad has no working key (the bank's key host loads it); "
                                   "run `kiosk doctor` for the PIN pad's state")
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy would parse `--config FILE app` as its own options and exit
    from kiosk_app.ui.window import configure_window

    configure_window(cfg.display)  # before Kivy's window module is imported (that import opens the window)
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.ui.theme import Theme
    from kiosk_app.ui.voice import VoicePlayer

    client = central_client(cfg)
    staff = load_staff(cfg.paths.staff_file)
    runtime: list = []

    def host(on_screen):
        runtime.append(build_runtime(cfg, devices, client, keys, on_screen=on_screen, staff=staff))
        mark_healthy(cfg.update.health_file, __version__)  # `kiosk update` waits for this after a restart
        return runtime[0].host

    def console():
        return ManagerConsole.from_runtime(runtime[0], checks=lambda: device_checks(cfg, devices))

    try:
        theme = Theme.create(primary_color=cfg.branding.primary_color, bank_name=cfg.branding.bank_name_local,
                             logo=cfg.branding.logo, text_scale=cfg.display.text_scale,
                             high_contrast=cfg.display.high_contrast)
        KioskApp(host, bank_name=cfg.branding.bank_name_local, locale=cfg.kiosk.locale, console_factory=console,
                 theme=theme, production=cfg.display.mode == "production",
                 voice=VoicePlayer(volume=cfg.display.volume, enabled=cfg.display.voice)).run()
    finally:
        devices.close()
        client.close()
