"""The scripted demo: a whole journey against the reference central service and emulated devices."""
