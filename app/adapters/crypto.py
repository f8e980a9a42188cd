"""Encryption of secrets at rest (app tokens, SMTP passwords).

``SECRET_KEY`` may list several keys, comma-separated: the first encrypts, every one decrypts
(``cryptography``'s MultiFernet), so a new key can be put first and the stored secrets
re-encrypted (``flask --app app rotate-secrets``) before the old key is dropped.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretCorrupted(Exception):
    """A stored secret cannot be decrypted (wrong SECRET_KEY or tampered data)."""


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"saleor-dropship/secrets-at-rest/" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with keys derived from each SECRET_KEY."""

    def __init__(self, secret_keys: str) -> None:
        keys = [key.strip() for key in secret_keys.split(",") if key.strip()]
        self._fernet = MultiFernet([_fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken:
            raise SecretCorrupted(
                "A stored secret could not be decrypted with SECRET_KEY."
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same secret encrypted under the first key."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretCorrupted(
                "A stored secret could not be decrypted with SECRET_KEY."
            ) from None
