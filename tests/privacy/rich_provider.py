"""A provider with a bit of everything: a completed diagnostic with free text, an audit,
workshop invitations, a registration with feedback, an appointment, SIT ids."""

from django.urls import reverse
from django.utils import timezone

from balise.audits.models import CheckOutcome, SiteAudit
from balise.members.models import ProviderSourceId, Source
from balise.workshops.models import Feedback
from tests.diagnostics.factories import (
    CampaignFactory,
    InvitationFactory,
    VersionFactory,
    completed_response,
)
from tests.factories import ProviderFactory
from tests.workshops.factories import (
    AppointmentFactory,
    AppointmentSlotFactory,
    RegistrationFactory,
    SessionFactory,
    SessionInvitationFactory,
)

ANSWERS = {
    "profil.salaries": 3,
    "profil.remarque": "Je m'appelle Jeanne Martin, joignable au 06 12 34 56 78.",
    "equipement.wifi": "oui",
    "equipement.outils": ["ordinateur", "smartphone"],
    "web.site": "oui",
    "web.mobile": "palier_4",
    "web.mentions": "en_partie",
    "reservation.en_ligne": "non",
}


def url(office, name, **kwargs):
    return reverse(name, kwargs={"office_slug": office.slug, **kwargs})


def campaign_for(office):
    return CampaignFactory(office=office, version=VersionFactory())


def rich_provider(office, campaign=None, **fields):
    """A provider of ``office`` with data in every corner Balise keeps it."""
    fields = {
        "name": "Gîte de Jeanne",
        "legal_name": "SARL Martin",
        "contact_name": "Jeanne Martin",
        "email": "jeanne@gite.example",
        "phone": "+33 6 12 34 56 78",
        "website": "https://gite-jeanne.example/",
        "address": "3 chemin des Oliviers",
        "description": "Gîte tenu par Jeanne.",
        "notes": "Rappeler Jeanne en mars.",
        "latitude": "44.100000",
        "longitude": "3.900000",
        "social_links": {"facebook": "https://facebook.com/gitejeanne"},
        **fields,
    }
    provider = ProviderFactory(office=office, **fields)
    ProviderSourceId.objects.create(
        office=office, provider=provider, source=Source.APIDAE, external_id="12345"
    )
    campaign = campaign or campaign_for(office)
    invitation = InvitationFactory(campaign=campaign, provider=provider, email=provider.email)
    response = completed_response(campaign, provider, ANSWERS)
    audit = SiteAudit.objects.create(
        office=office, provider=provider, url=provider.website, fetched_at=timezone.now()
    )
    CheckOutcome.objects.create(
        audit=audit, code="contact.email", verdict="ok", evidence="jeanne@gite.example"
    )
    session = SessionFactory(office=office)
    SessionInvitationFactory(session=session, provider=provider, reason="Votre diagnostic…")
    registration = RegistrationFactory(
        session=session, provider=provider, name="Jeanne Martin", email=provider.email
    )
    Feedback.objects.create(registration=registration, rating=5, comment="Merci, Jeanne")
    appointment = AppointmentFactory(
        slot=AppointmentSlotFactory(office=office),
        provider=provider,
        name="Jeanne Martin",
        email=provider.email,
        note="Parler de mon site",
    )
    return {
        "provider": provider,
        "campaign": campaign,
        "invitation": invitation,
        "response": response,
        "audit": audit,
        "registration": registration,
        "appointment": appointment,
        "session": session,
    }
