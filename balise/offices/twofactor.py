"""The staff's second factor: TOTP codes from an authenticator app, and recovery codes.

- Enrolment: :func:`new_secret` draws a secret that the account page keeps in the session
  and shows as an ``otpauth://`` URI and a QR code (:func:`qr_svg`, inline SVG drawn on
  the server); :func:`enrol` stores it once the user typed a valid code from the app, with
  ten recovery codes shown once.
- Login: :func:`verify` accepts a current code (one 30-second step of clock drift either
  way) or an unused recovery code. A TOTP code is accepted at most once: the device
  remembers the last step used, and the update is conditional, so two concurrent logins
  with the same code cannot both pass.
- Policy: an office can require a second factor of its admins. Whether a user is under
  that rule is kept on ``User.two_factor_required`` by :func:`refresh_requirement`
  (signals in :mod:`.signals`), so checking it costs nothing on every page. Platform
  operators (``is_staff`` / ``is_superuser``) are under a second rule when the setting
  ``BALISE_OPERATORS_2FA`` is on; it is read from the user's own columns, not stored, so
  removing staff status lifts it at once. :func:`must_enrol` combines both rules.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import Membership, RecoveryCode, Role, TOTPDevice, User

ISSUER = "Balise"
INTERVAL = 30
DIGITS = 6
DRIFT_STEPS = 1  # accept the previous and the next code too (phone clocks drift)
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def clock() -> float:
    """The current time in seconds; tests patch it to move between time steps."""
    return time.time()


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, email: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def qr_svg(data: str, *, title: str) -> str:
    """An accessible inline SVG QR code (no script, no style attribute)."""
    qr = segno.make(data, error="m")
    svg = qr.svg_inline(
        scale=5, border=3, title=title, svgclass="qr-code", lineclass=None, light="#fff"
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)


def current_step(now: float | None = None) -> int:
    return int((clock() if now is None else now) // INTERVAL)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).generate_otp(step)


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def matching_step(secret: str, code: str, *, after: int | None = None) -> int | None:
    """The time step whose code is ``code``, within the drift window and after ``after``."""
    code = _normalise(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user).exists()


def is_operator_rule(user: User) -> bool:
    """Whether ``user`` is a platform operator under ``BALISE_OPERATORS_2FA``.

    Operators reach every office's data through the admin site, so a stolen password of
    theirs is worth more than any office admin's. No query: the flags come with the user.
    """
    return bool(settings.BALISE_OPERATORS_2FA and (user.is_staff or user.is_superuser))


def is_second_factor_required(user: User) -> bool:
    """Whether a rule requires ``user`` to have a second factor (office or operator rule)."""
    return bool(user.two_factor_required) or is_operator_rule(user)


def requirement_text(user: User) -> str:
    """Why ``user`` may not go without a second factor, for the account pages ("" if free)."""
    if user.two_factor_required:
        return _("Votre office exige la double authentification pour les administrateurs.")
    if is_operator_rule(user):
        return _(
            "Les comptes d'administration technique doivent garder la double authentification."
        )
    return ""


def must_enrol(user) -> bool:
    """Whether ``user`` must enrol an authenticator app before reaching staff pages: a
    rule requires one (:func:`is_second_factor_required`) and they have none yet.

    Costs one query, and only for the users under a rule; anonymous users never must.
    """
    if not user.is_authenticated or not is_second_factor_required(user):
        return False
    return not has_device(user)


def tokens_need_second_factor() -> str:
    """Why an API token is refused to a user who must enrol first (account page and API).

    A token acts as its user without any second factor, so a user under a rule gets none,
    and cannot use one issued earlier, until they have enrolled.
    """
    return _(
        "Votre compte doit activer la double authentification avant de créer ou "
        "d'utiliser un jeton d'API."
    )


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def new_recovery_codes(device: TOTPDevice) -> list[str]:
    """Replace the device's recovery codes with ten new ones, returned in clear once.

    Side effects: deletes the device's previous recovery codes, writes ten rows.
    """
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device.recovery_codes.all().delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, code_hash=_hash_recovery(code)) for code in codes
        )
    return codes


def enrol(*, user: User, secret: str, code: str) -> list[str] | None:
    """Store ``secret`` as the user's device if ``code`` is its current code.

    Returns the ten recovery codes (to show once), or None when the code is wrong.
    Side effects: replaces any previous device of the user (and its recovery codes).
    """
    step = matching_step(secret, code)
    if step is None:
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, secret=secret, last_used_step=step)
        return new_recovery_codes(device)


def verify(*, user: User, code: str) -> str | None:
    """Check a login code: ``"totp"`` or ``"recovery"`` when accepted, else None.

    Side effects: records the TOTP step used (a code is never accepted twice) or marks the
    recovery code used.
    """
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        return None
    step = matching_step(device.secret, code, after=device.last_used_step)
    if step is not None:
        # Conditional update: of two concurrent logins with the same code, one wins.
        won = (
            TOTPDevice.objects.filter(pk=device.pk)
            .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
            .update(last_used_step=step)
        )
        return "totp" if won else None
    if len(_normalise(code)) == 10:
        used = RecoveryCode.objects.filter(
            device=device, code_hash=_hash_recovery(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            return "recovery"
    return None


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def disable(*, user: User) -> None:
    """Remove the user's device and recovery codes. Side effects: deletes those rows."""
    TOTPDevice.objects.filter(user=user).delete()


def is_required(user: User) -> bool:
    """Whether one of the user's offices requires a second factor of its admins."""
    return Membership.objects.filter(
        user=user, role=Role.ADMIN, office__require_admin_2fa=True
    ).exists()


def refresh_requirement(users) -> None:
    """Recompute ``User.two_factor_required`` for ``users`` (ids or users).

    Side effects: updates the flag on those users whose value changed.
    """
    ids = [getattr(user, "pk", user) for user in users]
    if not ids:
        return
    required = set(
        Membership.objects.filter(
            user_id__in=ids, role=Role.ADMIN, office__require_admin_2fa=True
        ).values_list("user_id", flat=True)
    )
    User.objects.filter(pk__in=required, two_factor_required=False).update(two_factor_required=True)
    User.objects.filter(pk__in=set(ids) - required, two_factor_required=True).update(
        two_factor_required=False
    )
