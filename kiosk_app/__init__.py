"""The branch kiosk: touchscreen app, headless customer journey and the `kiosk` command."""

__version__ = "0.1.0"
