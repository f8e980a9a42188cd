"""Encryption of secrets at rest (app tokens, later SMTP and SFTP credentials)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretCorrupted(Exception):
    """A stored secret cannot be decrypted (wrong SECRET_KEY or tampered data)."""


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"saleor-dropship/secrets-at-rest/" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken:
            raise SecretCorrupted(
                "A stored secret could not be decrypted with SECRET_KEY."
            ) from None
