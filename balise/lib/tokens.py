"""Signed keys for the links sent to providers (no account, one purpose each).

A link carries a random key and its signature with the installation's secret and a salt
naming the purpose: a forged or altered link is refused before any database lookup, and a
key meant for one purpose never opens another.
"""

import secrets

from django.core import signing


def new_key() -> str:
    return secrets.token_urlsafe(32)


def sign_key(key: str, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign(key)


def key_from_token(token: str, *, salt: str) -> str | None:
    """The key inside ``token``, or None when the signature does not match."""
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
