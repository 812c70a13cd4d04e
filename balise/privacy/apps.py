from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "balise.privacy"
    label = "privacy"
    verbose_name = _("RGPD")

    def ready(self):
        from . import consent  # noqa: F401  (connects the consent signals)
