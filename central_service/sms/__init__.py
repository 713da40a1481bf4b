"""Text messages to customers' phones: the gateway port and the simulated gateway.

Why a port: the bank's SMS provider is the bank's (an HTTP API with its own credentials); the service only
needs "send this text to this number". The simulated gateway keeps every message in the store, where the demo
prints it and the tests read the sign-in code, exactly as a person would read it on the phone. Rate limits
belong to the caller (sign-in knows what a code is); the gateway sends what it is given.
"""

from __future__ import annotations

from central_service.sms.gateway import SentMessage, SimulatedSmsGateway, SmsError, SmsGateway

__all__ = ["SentMessage", "SimulatedSmsGateway", "SmsError", "SmsGateway"]
