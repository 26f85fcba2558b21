"""A model field whose value is encrypted at rest with SM4-GCM (key from DGOV_MASTER_KEY)."""

from __future__ import annotations

from typing import Any

from django.db import models

from dgov.core import crypto


class EncryptedTextField(models.TextField):
    """Stores ``sm4gcm1:…`` ciphertext; Python code sees the plaintext.

    The column cannot be searched or ordered; pair it with a digest column made by
    :func:`dgov.core.crypto.search_digest` for equality look-ups.
    """

    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def _context(self) -> str:
        return self.context or f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.sm4_decrypt_text(value, context=self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.sm4_encrypt_text(str(value), context=self._context())
