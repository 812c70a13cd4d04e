"""Deployment checks (``balise check --deploy``) for Balise's own security settings."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def operators_second_factor(app_configs, **kwargs):
    """Platform operators reach every office's data through /admin/: in production their
    accounts should need a second factor (``BALISE_OPERATORS_2FA``, on by default)."""
    if settings.DEBUG or settings.BALISE_OPERATORS_2FA:
        return []
    return [
        Warning(
            "BALISE_OPERATORS_2FA is off: platform operators (is_staff / is_superuser) can "
            "open /admin/ with a password alone.",
            hint="Remove BALISE_OPERATORS_2FA=0 from the environment, or set it to 1.",
            id="balise.W001",
        )
    ]
