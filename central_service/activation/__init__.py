"""E-banking activation's proof of the mobile number: a one-time code texted through the SMS gateway, typed by the
customer on the kiosk's keypad, checked here before mobile or online banking is activated."""

from __future__ import annotations

from central_service.activation.store import PhoneVerifications, VerificationRefused

__all__ = ["PhoneVerifications", "VerificationRefused"]
