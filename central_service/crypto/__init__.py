"""Encryption at rest of the central store's personal fields (issue 18): envelope keys, rotation.

Other store modules use `FieldCipher.encrypt_field` / `decrypt_field` (and `index_of` for a value they look
up by); `central.store.fields` is the process's one cipher. docs/security.md says how.
"""

from central_service.crypto.fields import FieldCipher, FieldDecryptError, RotationReport, key_of
from central_service.crypto.master import MASTER_DIR, MasterKeyMissing, MasterKeys

__all__ = ["MASTER_DIR", "FieldCipher", "FieldDecryptError", "MasterKeyMissing", "MasterKeys", "RotationReport",
           "key_of"]
