"""What the office can offer on a theme its diagnostic recommends: the next step behind
each "Atelier conseillé" of the individual report, so none is a dead end.

In this order: the next published session of the theme that still has places (its public
registration page); else an individual appointment when the office has free slots; else
the « prévenez-moi » form of the theme (:mod:`.alerts`). Only the office's own themes and
sessions count: a session of the same theme at another office is never offered.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from balise.offices.models import Office

from .appointments import free_slots
from .catalogue import catalogue, ensure_catalogue
from .models import Session, Theme

SESSION, APPOINTMENT, ALERT = "session", "appointment", "alert"


@dataclass(frozen=True)
class Offer:
    kind: str  # SESSION, APPOINTMENT or ALERT
    url: str  # absolute: the PDF is read away from the site
    session: Session | None = None


def theme_offers(office: Office, codes: list[str]) -> dict[str, Offer]:
    """The offer for each theme code the office can act on (codes it has no theme for, or
    an inactive theme when no appointment is free, are left out). Three queries, whatever
    the number of codes.

    Side effect: the shipped catalogue copied into the office when one of its themes among
    ``codes`` is missing there (:func:`~balise.workshops.catalogue.ensure_catalogue`, once
    per office): a report is the first page that needs the office's themes.
    """
    codes = list(dict.fromkeys(codes))
    if not codes:
        return {}
    themes = {theme.code: theme for theme in Theme.objects.filter(office=office, code__in=codes)}
    shipped = {entry.code for entry in catalogue()}
    if any(code not in themes and code in shipped for code in codes):
        ensure_catalogue(office)
        themes = {t.code: t for t in Theme.objects.filter(office=office, code__in=codes)}
    upcoming = (
        Session.objects.published()
        .filter(office=office, theme__in=themes.values(), starts_at__gt=timezone.now())
        .with_counts()
        .filter(places_left__gt=0)
        .select_related("theme")
        .order_by("starts_at", "pk")
    )
    next_session: dict[int, Session] = {}
    for session in upcoming:
        next_session.setdefault(session.theme_id, session)
    has_slots = free_slots(office).exists()
    base = settings.SITE_URL
    offers = {}
    for code, theme in themes.items():
        session = next_session.get(theme.pk)
        if session is not None:
            url = reverse("ateliers:session", args=[office.slug, session.pk])
            offers[code] = Offer(SESSION, base + url, session)
        elif has_slots:
            url = reverse("ateliers:appointments", args=[office.slug])
            offers[code] = Offer(APPOINTMENT, f"{base}{url}?theme={theme.pk}")
        elif theme.active:
            url = reverse("ateliers:alert", args=[office.slug, theme.code])
            offers[code] = Offer(ALERT, base + url)
    return offers
