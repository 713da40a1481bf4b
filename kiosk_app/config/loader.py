"""Find, read and validate kiosk.toml; turn every problem into one line naming key, value and expectation."""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk_app.config.model import KioskConfig

DEFAULT_PATH = Path("/etc/branch-kiosk/kiosk.toml")
ENV_VAR = "KIOSK_CONFIG"


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid; `problems` has one line per fault."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def dev_config_path() -> Path:
    """The packaged development config: emulated devices, a central service on loopback."""
    return Path(str(resources.files("kiosk_app.config") / "dev.toml"))


def default_path(explicit: str | Path | None = None) -> Path:
    """--config wins, then $KIOSK_CONFIG, then /etc/branch-kiosk/kiosk.toml."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_PATH


def _describe(error: dict[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (value {error['input']!r}); check the spelling against deploy/kiosk.example.toml"
    if error["type"] == "missing":
        return f"{key}: missing; this key is required"
    message = error["msg"].removeprefix("Value error, ")
    return f"{key}: {error['input']!r} is not valid: {message}"


def _resolve_relative(data: dict[str, Any], base: Path) -> None:
    """Relative paths in [paths] are relative to the config file, not to wherever the command ran."""
    paths = data.get("paths")
    if isinstance(paths, dict):
        for key, value in paths.items():
            if isinstance(value, str) and value and not os.path.isabs(value):
                paths[key] = str((base / value).resolve())


def parse_config(text: str, *, source: str | Path = "<string>", base: Path | None = None) -> KioskConfig:
    """Validate TOML text. Raises ConfigError listing every problem, one line each."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"not valid TOML: {exc}"]) from exc
    if base is not None:
        _resolve_relative(data, base)
    try:
        return KioskConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_describe(e) for e in exc.errors()]) from exc


def load_config(path: str | Path | None = None, *, dev: bool = False) -> KioskConfig:
    """Read and validate the config file chosen by `default_path` (or the packaged dev config).

    Raises ConfigError.
    """
    chosen = dev_config_path() if dev else default_path(path)
    base = Path.cwd() if dev else chosen.parent
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(chosen, [f"cannot read the file: {exc.strerror}"]) from exc
    return parse_config(text, source=chosen, base=base)
