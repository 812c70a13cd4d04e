"""Workshop factories: a theme, a venue, sessions, registrations, appointment slots; days_ago."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from balise.workshops.models import (
    Appointment,
    AppointmentSlot,
    CandidateSlot,
    Format,
    Level,
    Programme,
    Registration,
    Session,
    SessionInvitation,
    SessionStatus,
    Theme,
    Venue,
)

from ..factories import OfficeFactory, ProviderFactory


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("office", "code")

    office = factory.SubFactory(OfficeFactory)
    code = "google_business"
    title = "Ma fiche Google"
    level = Level.BEGINNER
    format = Format.WORKSHOP
    duration_minutes = 150
    default_capacity = 10
    question_codes = ["visi.google_business"]
    axes = ["visibilite"]


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    office = factory.SubFactory(OfficeFactory)
    name = "Salle de l'office"
    address = "2 place de la Mairie"
    capacity = 12


def _in_days(days: int, hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class CandidateSlotFactory(DjangoModelFactory):
    class Meta:
        model = CandidateSlot

    office = factory.SubFactory(OfficeFactory)
    starts_at = factory.LazyFunction(lambda: _in_days(30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    office = factory.SubFactory(OfficeFactory)
    name = "Programme d'hiver"
    starts_on = factory.LazyFunction(lambda: timezone.localdate())
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=120))


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    office = factory.SubFactory(OfficeFactory)
    theme = factory.SubFactory(ThemeFactory, office=factory.SelfAttribute("..office"))
    starts_at = factory.LazyFunction(lambda: _in_days(14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2, minutes=30))
    capacity = 10
    status = SessionStatus.PUBLISHED
    trainer = "Camille Animatrice"


class SessionInvitationFactory(DjangoModelFactory):
    class Meta:
        model = SessionInvitation

    session = factory.SubFactory(SessionFactory)
    office = factory.SelfAttribute("session.office")
    provider = factory.SubFactory(ProviderFactory, office=factory.SelfAttribute("..office"))
    email = factory.LazyAttribute(lambda o: o.provider.email)


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    office = factory.SelfAttribute("session.office")
    provider = factory.SubFactory(ProviderFactory, office=factory.SelfAttribute("..office"))
    name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")


class AppointmentSlotFactory(DjangoModelFactory):
    class Meta:
        model = AppointmentSlot

    office = factory.SubFactory(OfficeFactory)
    starts_at = factory.LazyFunction(lambda: _in_days(7, 14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    place = "Office de tourisme"


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    slot = factory.SubFactory(AppointmentSlotFactory)
    office = factory.SelfAttribute("slot.office")
    name = "Jeanne Gîte"
    email = "jeanne@example.org"


def days_ago(days: int, hour: int = 10) -> datetime.datetime:
    """``hour`` o'clock (local time) ``days`` days before today."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
