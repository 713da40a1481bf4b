"""Signed updates with rollback: `kiosk update BUNDLE` (see `kiosk_app.cli.update_cmd`).

A bundle is a tar archive with `release.json` (`{"version": "..."}`) at its top and the release's files; a
detached Ed25519 signature (`BUNDLE.sig`, base64) over the archive's bytes is checked with the bank's release
key before a byte is unpacked. Releases live in `<root>/releases/<version>/`; `<root>/current` is a symlink
switched atomically (rename over it). After the switch the app is restarted and must report itself healthy
(`health.py`) within the configured time, or the link goes back and the rollback is recorded for the
heartbeat (`status.py`).
"""
