from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrailConfig(AppConfig):
    name = "balise.trail"
    label = "trail"
    verbose_name = _("Journal des modifications")

    def ready(self) -> None:
        from balise.privacy.signals import provider_erased

        from . import registry
        from .services import forget_provider

        registry.register_models()
        provider_erased.connect(forget_provider, dispatch_uid="trail-forget-provider")
