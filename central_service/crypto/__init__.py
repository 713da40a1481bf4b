"""Encryption at rest of the central store's personal fields (issue 18): envelope keys, rotation.

Other store modules take the `Database` and seal with `cipher_for(db)`: `encrypt_field` / `decrypt_field` (and
`index_of` for a value they look up by); it is the process's one cipher (`central.store.fields` too).
docs/security.md says how.
"""

from central_service.crypto.fields import FieldCipher, FieldDecryptError, RotationReport, cipher_for, key_of
from central_service.crypto.master import MASTER_DIR, MasterKeyMissing, MasterKeys

__all__ = ["MASTER_DIR", "FieldCipher", "FieldDecryptError", "MasterKeyMissing", "MasterKeys", "RotationReport",
           "cipher_for", "key_of"]
