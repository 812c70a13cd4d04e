"""Right to erasure (RGPD art. 17): anonymise a provider, or one person's registrations
and appointments, while keeping the territory study right.

What is kept on purpose: a provider's category, commune, postal code, locality, labels,
membership and tags (the study's groups), every closed answer and number of its
diagnostics, their scores, ``AxisScore`` and ``FiredRecommendation`` rows, the audits'
verdicts, attendance marks and ratings. The study's figures are therefore identical
after an erasure, except for free text (which the study never shows).
"""

from contextlib import nullcontext

from django.db import transaction
from django.utils import timezone

from balise.audits.models import CheckOutcome, SiteAudit
from balise.diagnostics.models import Answer, Invitation, Response
from balise.lib.tokens import new_key
from balise.members.models import Provider, ProviderSourceId
from balise.offices.models import Office
from balise.workshops.models import (
    Appointment,
    Feedback,
    Registration,
    SessionInvitation,
    ThemeAlert,
)

from .models import ErasureRecord, ErasureScope
from .signals import provider_erased

ERASED_NAME = "effacé"
ERASED_DOMAIN = "@invalid"


def _without_audit_trail():
    """The audit trail would copy the erased values into its journal: the erasure itself
    is proven by its ErasureRecord instead."""
    try:
        from auditlog.context import disable_auditlog
    except ImportError:  # pragma: no cover - auditlog is a dependency
        return nullcontext()
    return disable_auditlog()


def erased_provider_name(provider_id: int) -> str:
    return f"Prestataire effacé #{provider_id}"


def erased_email(row_id: int) -> str:
    return f"efface-{row_id}{ERASED_DOMAIN}"


def _text_questions(response: Response) -> set[str]:
    try:
        return {q.code for q in response.version.parsed.questions if q.type == "text"}
    except Exception:  # an unreadable definition: fall back on the answers' shapes
        return set()


def _strip_free_text(responses) -> int:
    """Remove text answers from ``Response.answers`` and blank ``Answer.text``; closed
    answers, numbers and scores stay. Returns the number of answers removed."""
    removed = 0
    for response in responses.select_related("version"):
        codes = _text_questions(response)
        answers = dict(response.answers or {})
        kept = {code: value for code, value in answers.items() if code not in codes}
        if kept != answers:
            removed += len(answers) - len(kept)
            # update() rather than save(): the response's dates stay as they were.
            Response.objects.filter(pk=response.pk).update(answers=kept)
    Answer.objects.filter(response__in=responses).exclude(text="").update(text="")
    return removed


def _anonymise_people(registrations, appointments) -> dict[str, int]:
    """Names and e-mails replaced, free text blanked, signed links invalidated (new keys)."""
    registration_ids = list(registrations.values_list("pk", flat=True))
    appointment_ids = list(appointments.values_list("pk", flat=True))
    for pk in registration_ids:
        Registration.objects.filter(pk=pk).update(
            name=ERASED_NAME, email=erased_email(pk), business="", key=new_key()
        )
    Feedback.objects.filter(registration_id__in=registration_ids).exclude(comment="").update(
        comment=""
    )
    for pk in appointment_ids:
        Appointment.objects.filter(pk=pk).update(
            name=ERASED_NAME, email=erased_email(pk), note="", key=new_key()
        )
    return {"registrations": len(registration_ids), "appointments": len(appointment_ids)}


def _alerts(office_id: int, email: str):
    """The « prévenez-moi » left at the office under ``email`` (none for a blank one)."""
    email = (email or "").strip()
    return (
        ThemeAlert.objects.filter(office_id=office_id, email__iexact=email)
        if email
        else (ThemeAlert.objects.none())
    )


@transaction.atomic
def erase_provider(
    *, provider: Provider, by_user=None, scope: str = ErasureScope.PROVIDER
) -> ErasureRecord:
    """Anonymise ``provider`` and everything tied to it, keep the aggregates right.

    Side effects, in one transaction:
    - the provider's name becomes "Prestataire effacé #<id>"; legal name, description,
      address, coordinates, contact, e-mail, phone, website, social links and internal
      notes are blanked; consent withdrawn (a ConsentRecord is written); archived;
    - its SIT source ids are deleted;
    - free-text answers leave ``Response.answers`` and ``Answer.text`` (nothing else);
    - diagnostic invitations revoked and their address blanked; workshop invitations'
      address blanked and links invalidated;
    - its registrations and appointments: name "effacé", e-mail efface-<id>@invalid,
      structure, notes and feedback comments blanked, links invalidated;
    - the « prévenez-moi » left at the office under its e-mail address deleted;
    - audited addresses and check evidence blanked (verdicts kept);
    - an ErasureRecord (no personal data) is written, ``provider_erased`` sent on commit.
    """
    now = timezone.now()
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    alerts = _alerts(provider.office_id, provider.email)
    provider.name = erased_provider_name(provider.pk)
    for field in ("legal_name", "description", "address", "contact_name", "email", "phone"):
        setattr(provider, field, "")
    provider.website = ""
    provider.notes = ""
    provider.latitude = provider.longitude = None
    provider.social_links = {}
    provider.marketing_consent = False
    provider.marketing_consent_at = None
    provider.marketing_consent_source = ""
    provider.archived_at = provider.archived_at or now
    with _without_audit_trail():
        provider.save()

    counts = {"source_ids": ProviderSourceId.objects.filter(provider=provider).delete()[0]}
    responses = Response.objects.filter(provider=provider)
    counts["free_text_answers"] = _strip_free_text(responses)
    Invitation.objects.filter(provider=provider, revoked_at__isnull=True).update(revoked_at=now)
    counts["diagnostic_invitations"] = Invitation.objects.filter(provider=provider).update(email="")
    session_invitations = 0
    for invitation in SessionInvitation.objects.filter(provider=provider).only("pk"):
        SessionInvitation.objects.filter(pk=invitation.pk).update(email="", key=new_key())
        session_invitations += 1
    counts["workshop_invitations"] = session_invitations
    counts |= _anonymise_people(
        Registration.objects.filter(provider=provider),
        Appointment.objects.filter(provider=provider),
    )
    counts["workshop_alerts"] = alerts.delete()[0]
    audits = SiteAudit.objects.filter(provider=provider)
    counts["site_audits"] = audits.update(url="", url_final="", error_detail="")
    CheckOutcome.objects.filter(audit__in=audits).update(evidence="")

    record = ErasureRecord.objects.create(
        office_id=provider.office_id,
        provider_id=provider.pk,
        by_user=by_user,
        scope=scope,
        counts=counts,
    )
    office_id, provider_id = provider.office_id, provider.pk
    transaction.on_commit(
        lambda: provider_erased.send(
            sender=Provider, office=Office(pk=office_id), provider_id=provider_id
        )
    )
    return record


def person_rows(office: Office, email: str):
    """The registrations and appointments of ``email`` not tied to a directory record."""
    email = (email or "").strip()
    registrations = Registration.objects.filter(
        office=office, email__iexact=email, provider__isnull=True
    )
    appointments = Appointment.objects.filter(
        office=office, email__iexact=email, provider__isnull=True
    )
    return registrations, appointments


@transaction.atomic
def erase_person(*, office: Office, email: str, by_user=None) -> ErasureRecord | None:
    """Anonymise the workshop registrations and appointments that ``email`` made without
    a directory record (a provider's own rows are erased with the provider), and delete
    its « prévenez-moi ».

    Side effects: those rows anonymised as in :func:`erase_provider`, the alerts deleted;
    an ErasureRecord
    (without the address) when anything changed. Returns it, or None when nothing matched.
    """
    registrations, appointments = person_rows(office, email)
    counts = _anonymise_people(registrations, appointments)
    counts["workshop_alerts"] = _alerts(office.pk, email).delete()[0]
    if not any(counts.values()):
        return None
    return ErasureRecord.objects.create(
        office=office, by_user=by_user, scope=ErasureScope.PERSON, counts=counts
    )
