from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "balise.audits"
    label = "audits"
    verbose_name = _("Audit de la présence en ligne")
