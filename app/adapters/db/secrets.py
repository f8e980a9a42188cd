"""Re-encryption of every stored secret under the first SECRET_KEY (key rotation)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables

_ENCRYPTED_COLUMNS = (
    (tables.installations, "token_encrypted"),
    (tables.installation_settings, "smtp_password_encrypted"),
    (tables.risk_settings, "stripe_key_encrypted"),
    (tables.edi_partners, "sftp_password_encrypted"),
    (tables.edi_partners, "sftp_private_key_encrypted"),
    (tables.vendors, "carrier_accounts_encrypted"),
    (tables.vendors, "http_secret_encrypted"),
    (tables.portal_links, "token_encrypted"),
)


def rotate_stored_secrets(engine: Engine, cipher: TokenCipher) -> int:
    """Re-encrypt every stored secret (tokens, SMTP passwords, Stripe keys); returns the count."""
    rotated = 0
    with engine.begin() as connection:
        for table, column_name in _ENCRYPTED_COLUMNS:
            column = table.c[column_name]
            key = next(iter(table.primary_key.columns))
            rows = connection.execute(select(key, column).where(column.is_not(None))).all()
            for row_key, ciphertext in rows:
                connection.execute(
                    table.update()
                    .where(key == row_key)
                    .values({column_name: cipher.rotate(ciphertext)})
                )
                rotated += 1
    return rotated
