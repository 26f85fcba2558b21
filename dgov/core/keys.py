"""The OIDC signing key of the embedded default: an RSA key made once and kept in var/."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def embedded_rsa_key(path: Path) -> str:
    """The PEM text of the RSA key at path, created (mode 0600) when missing."""
    if path.exists():
        return path.read_text(encoding="ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    path.write_text(pem, encoding="ascii")
    path.chmod(0o600)
    return pem
