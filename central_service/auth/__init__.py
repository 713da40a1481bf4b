"""Sign-in for people of the bank's pages: passwords, TOTP, lock-out, the signed-in principal in the session.

Generic over the principal's kind: staff (issue 17) and company agents (issue 16) each bring a
`CredentialSource`; the hashing, second factor, lock-out and session handling are the same for both.
"""

from central_service.auth.principal import Principal, current_principal, sign_in_session, sign_out_session
from central_service.auth.signin import Credentials, CredentialSource, SignIn, SignInLocked, SignInRefused

__all__ = ["CredentialSource", "Credentials", "Principal", "SignIn", "SignInLocked", "SignInRefused",
           "current_principal", "sign_in_session", "sign_out_session"]
