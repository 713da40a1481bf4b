"""What every subcommand shares: which config to load, loaded once, with errors printed the same way."""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from kiosk_app.config import ConfigError, KioskConfig, load_config


@dataclass
class CliContext:
    config_path: str | None = None
    dev: bool = False
    _config: KioskConfig | None = field(default=None, repr=False)

    def config(self) -> KioskConfig:
        """The validated config; exits with one line per problem (status 2) when it is invalid."""
        if self._config is None:
            try:
                self._config = load_config(self.config_path, dev=self.dev)
            except ConfigError as exc:
                report_config_error(exc)
                raise SystemExit(2) from exc
        return self._config


def report_config_error(exc: ConfigError) -> None:
    click.echo(f"config: {exc.path}: invalid", err=True)
    for line in exc.problems:
        click.echo(f"  {line}", err=True)


pass_cli = click.make_pass_decorator(CliContext)
