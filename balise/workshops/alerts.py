"""« Prévenez-moi » : people ask to hear when a session of a theme is published.

A recommended theme with no session to join and no appointment to book (see
:mod:`.offers`) leads to the public form; the address is kept per office and theme
(:class:`~balise.workshops.models.ThemeAlert`) with the date it was given. When sessions
of the theme are published, each address gets one e-mail listing them, with the link to
stop the alerts, which deletes the row. The e-mails leave from a background job after the
publishing transaction has committed, through :func:`.mail.send_workshop_mail`.
"""

from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from balise.lib.forms import plain_text

from .mail import send_workshop_mail
from .models import Session, SessionStatus, Theme, ThemeAlert


def unsubscribe_url(alert: ThemeAlert) -> str:
    return f"{settings.SITE_URL}{reverse('ateliers:alert_unsubscribe', args=[alert.token])}"


def subscribe(*, theme: Theme, email: str) -> tuple[ThemeAlert, bool]:
    """Keep ``email`` (control characters dropped, lower case) to announce the theme's next
    sessions; the same address twice gives back the first row (``created`` False).

    Side effects: one ThemeAlert row; when it is new, an e-mail saying what was asked,
    with the link to stop it (someone may have typed another person's address).
    """
    email = plain_text(email or "").replace(" ", "").lower()
    try:
        with transaction.atomic():
            alert, created = ThemeAlert.objects.get_or_create(
                theme=theme, email=email, defaults={"office_id": theme.office_id}
            )
    except IntegrityError:  # the same address sent twice at the same moment
        alert, created = ThemeAlert.objects.get(theme=theme, email=email), False
    if created:
        send_workshop_mail(
            "alert",
            to=alert.email,
            office=theme.office,
            context={"theme": theme, "unsubscribe_link": unsubscribe_url(alert)},
        )
    return alert, created


def unsubscribe(*, alert: ThemeAlert) -> None:
    """Forget the address for this theme. Side effect: the ThemeAlert row deleted."""
    alert.delete()


def announce_published(session_ids: list[int]) -> None:
    """Queue the alerts of newly published sessions, once the caller's transaction has
    committed (so the job reads them published, and a rolled-back publish announces
    nothing). Side effect: one background job."""
    from .tasks import send_theme_alerts

    if session_ids:
        ids = list(session_ids)
        transaction.on_commit(lambda: send_theme_alerts.enqueue(ids))


def notify_published(*, session_ids: list[int]) -> int:
    """E-mail every alert of the themes of these sessions (those still published and to
    come): one message per address listing the theme's new sessions with their public
    page, and the link to stop the alerts. Returns how many e-mails left.

    Side effects: the e-mails; ``notified_at`` stamped on each alert written to.
    """
    sessions = (
        Session.objects.filter(
            pk__in=session_ids, status=SessionStatus.PUBLISHED, starts_at__gt=timezone.now()
        )
        .select_related("office", "theme", "venue")
        .order_by("starts_at", "pk")
    )
    by_theme = defaultdict(list)
    for session in sessions:
        by_theme[session.theme].append(session)
    sent = 0
    for theme, listed in by_theme.items():
        office = theme.office = listed[0].office
        links = [
            (
                session,
                settings.SITE_URL + reverse("ateliers:session", args=[office.slug, session.pk]),
            )
            for session in listed
        ]
        for alert in ThemeAlert.objects.filter(theme=theme).order_by("pk"):
            if send_workshop_mail(
                "alert_sessions",
                to=alert.email,
                office=office,
                context={
                    "theme": theme,
                    "sessions": links,
                    "unsubscribe_link": unsubscribe_url(alert),
                },
            ):
                ThemeAlert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())
                sent += 1
    return sent
