"""Emulators that speak each device's real bytes on a pseudo-terminal (or, for chip cards, to pcscd via vpcd).

Production and simulation differ only in the port or reader name in the config.
"""
