"""The branch's people: the staff directory (accounts, roles, kiosk PINs), the audit log, and the counter's and
lobby floor's state (kiosk staff calls, hand-offs, triage)."""
