from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "balise.insights"
    label = "insights"
    verbose_name = _("Étude du territoire")

    def ready(self):
        from balise.diagnostics.signals import response_completed

        from .signals import schedule_refresh

        response_completed.connect(schedule_refresh, dispatch_uid="insights-refresh")
