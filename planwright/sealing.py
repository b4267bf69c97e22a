"""Logins at rest: a plan's credentials, storage state and headers are sealed with SECRET_KEY.

Why: a plan's `auth` holds passwords and session cookies of the application under test; the database
(and every backup of it) should not hand them to whoever can read it. Fernet (AES-128-CBC with
HMAC-SHA256) with a key derived from SECRET_KEY. Without SECRET_KEY they are kept as plain JSON, as
before, and `/readyz` says so. Values sealed earlier stay readable while the key is the same; a wrong
or missing key is a clear error for that plan, never a silent empty login.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

SEALED_FIELD = "sealed_fernet"


class SealError(Exception):
    """A sealed login could not be opened; the message says which setting to fix."""


def _fernet(secret: str) -> Fernet:
    # SECRET_KEY is documented as a long random string, so one SHA-256 is enough to shape it into a key.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def seal(value: dict[str, Any] | None, secret: str | None) -> dict[str, Any] | None:
    if value is None or not secret:
        return value
    token = _fernet(secret).encrypt(json.dumps(value, ensure_ascii=False).encode())
    return {SEALED_FIELD: token.decode()}


def is_sealed(stored: dict[str, Any] | None) -> bool:
    return bool(stored) and SEALED_FIELD in stored  # type: ignore[operator]


def unseal(stored: dict[str, Any] | None, secret: str | None) -> dict[str, Any] | None:
    if stored is None or not is_sealed(stored):
        return stored  # saved without a key: plain JSON
    if not secret:
        raise SealError("this plan's login was saved encrypted: set SECRET_KEY to the key it was saved with")
    try:
        value: dict[str, Any] = json.loads(_fernet(secret).decrypt(stored[SEALED_FIELD].encode()))
    except InvalidToken as error:
        raise SealError(
            "this plan's login could not be decrypted: SECRET_KEY is not the key it was saved with"
        ) from error
    return value
