"""Keep ``User.two_factor_required`` in step with roles and office settings, and start the
idle clock of a new session (see :mod:`.middleware`)."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import twofactor
from .models import Membership, Office, Role


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    twofactor.refresh_requirement([instance.user_id])


@receiver(post_save, sender=Office)
def office_changed(sender, instance: Office, created: bool, **kwargs) -> None:
    if created:
        return
    admins = instance.memberships.filter(role=Role.ADMIN).values_list("user_id", flat=True)
    twofactor.refresh_requirement(list(admins))


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs) -> None:
    from .middleware import touch_session

    if request is not None and hasattr(request, "session"):
        touch_session(request.session)
