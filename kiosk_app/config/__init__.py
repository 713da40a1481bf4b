"""The kiosk's configuration: one TOML file, validated strictly (an unknown key is an error)."""

from kiosk_app.config.loader import ConfigError, default_path, dev_config_path, load_config
from kiosk_app.config.model import KioskConfig

__all__ = ["ConfigError", "KioskConfig", "default_path", "dev_config_path", "load_config"]
