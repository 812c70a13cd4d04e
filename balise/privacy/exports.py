"""Right of access and portability (RGPD art. 15 and 20): everything Balise holds about one
provider, or about one person found by e-mail address, as a JSON document.

``provider_export`` and ``person_export`` return plain dicts; :func:`to_json` writes
them with datetimes in ISO 8601 and decimals as strings. Reading only, except
:func:`balise.privacy.consent.reconcile`, which may first write missing consent records.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from balise.audits.models import DeclaredObservedGap, SiteAudit
from balise.diagnostics.models import Invitation, Response
from balise.members.fields import PROVIDER_FIELDS, Kind
from balise.members.models import Provider
from balise.offices.models import Membership, Office
from balise.workshops.models import Appointment, Registration, SessionInvitation, ThemeAlert

from . import consent
from .models import ConsentRecord

FORMAT_VERSION = 1


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _header(office: Office, kind: str) -> dict[str, Any]:
    return {
        "format": f"balise.privacy.{kind}",
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "controller": {"name": office.name, "email": office.email, "address": office.address},
    }


def _consent_history(records) -> list[dict[str, Any]]:
    return [
        {
            "given": record.given,
            "at": record.at,
            "source": record.source,
            "by": record.by_user.email if record.by_user else None,
        }
        for record in records
    ]


def _diagnostics(provider: Provider) -> list[dict[str, Any]]:
    responses = (
        Response.objects.filter(provider=provider)
        .select_related("campaign", "version")
        .prefetch_related("answer_rows", "axis_scores", "recommendations")
        .order_by("started_at", "id")
    )
    result = []
    for response in responses:
        try:
            questions = {q.code: q for q in response.version.parsed.questions}
        except Exception:  # an unreadable definition must not block the person's access
            questions = {}
        result.append(
            {
                "campaign": response.campaign.name,
                "campaign_id": response.campaign_id,
                "mode": response.source,
                "started_at": response.started_at,
                "updated_at": response.updated_at,
                "completed_at": response.completed_at,
                "overall_score": response.overall_score,
                "level": response.level,
                "report_available": response.completed_at is not None,
                "answers": [
                    {
                        "question": code,
                        "label": questions[code].label.fr if code in questions else "",
                        "value": value,
                    }
                    for code, value in (response.answers or {}).items()
                ],
                "answer_rows": [
                    {
                        "question": row.question,
                        "option": row.option,
                        "number": row.number,
                        "text": row.text,
                        "points": row.points,
                    }
                    for row in response.answer_rows.all()
                ],
                "axis_scores": {
                    axis.axis: {"score": axis.score, "questions_counted": axis.counted}
                    for axis in response.axis_scores.all()
                },
                "recommendations": [
                    {"code": rec.code, "priority": rec.priority, "themes": rec.themes}
                    for rec in response.recommendations.all()
                ],
            }
        )
    return result


def _registration(reg: Registration) -> dict[str, Any]:
    feedback = getattr(reg, "feedback", None)
    return {
        "session": reg.session.display_title,
        "session_starts_at": reg.session.starts_at,
        "name": reg.name,
        "email": reg.email,
        "business": reg.business,
        "status": reg.status,
        "source": reg.source,
        "attended": reg.attended,
        "created_at": reg.created_at,
        "cancelled_at": reg.cancelled_at,
        "feedback": (
            {
                "rating": feedback.rating,
                "useful": feedback.useful,
                "comment": feedback.comment,
                "created_at": feedback.created_at,
            }
            if feedback
            else None
        ),
    }


def _appointment(appointment: Appointment) -> dict[str, Any]:
    return {
        "starts_at": appointment.slot.starts_at,
        "ends_at": appointment.slot.ends_at,
        "place": appointment.slot.place,
        "name": appointment.name,
        "email": appointment.email,
        "topic": appointment.theme.title if appointment.theme else "",
        "note": appointment.note,
        "status": appointment.status,
        "attended": appointment.attended,
        "created_at": appointment.created_at,
        "cancelled_at": appointment.cancelled_at,
    }


def _registrations(qs) -> list[dict[str, Any]]:
    qs = qs.select_related("session", "session__theme", "feedback").order_by("created_at", "id")
    return [_registration(reg) for reg in qs]


def _appointments(qs) -> list[dict[str, Any]]:
    qs = qs.select_related("slot", "theme").order_by("created_at", "id")
    return [_appointment(appointment) for appointment in qs]


def provider_export(provider: Provider) -> dict[str, Any]:
    """Everything about one provider of the office.

    Side effect: may write missing consent records first (see consent.reconcile).
    """
    consent.reconcile(Provider.objects.filter(pk=provider.pk))
    record: dict[str, Any] = {"id": provider.pk}
    for field in PROVIDER_FIELDS:
        if field.kind is Kind.COLUMN:
            record[field.name] = getattr(provider, field.name)
        elif field.kind is Kind.NAMES:
            record[field.name] = sorted(row.name for row in getattr(provider, field.name).all())
    # Kept whole rather than per declared network: a link to any network is personal data.
    record["social_links"] = provider.social_links
    record["commune"] = (
        {"insee_code": provider.commune.insee_code, "name": provider.commune.name}
        if provider.commune_id
        else None
    )
    audits = SiteAudit.objects.filter(provider=provider).order_by("fetched_at", "id")
    gaps = DeclaredObservedGap.objects.filter(provider=provider).order_by("id")
    return _header(provider.office, "provider") | {
        "provider": record,
        "source_ids": [
            {"source": sid.source, "external_id": sid.external_id}
            for sid in provider.source_ids.order_by("source", "external_id")
        ],
        "consent_history": _consent_history(
            ConsentRecord.objects.filter(provider=provider)
            .select_related("by_user")
            .order_by("at", "id")
        ),
        "diagnostic_invitations": [
            {
                "campaign": inv.campaign.name,
                "email": inv.email,
                "sent_at": inv.sent_at,
                "reminder_count": inv.reminder_count,
                "opened_at": inv.opened_at,
                "revoked_at": inv.revoked_at,
                "created_at": inv.created_at,
            }
            for inv in Invitation.objects.filter(provider=provider)
            .select_related("campaign")
            .order_by("created_at", "id")
        ],
        "diagnostics": _diagnostics(provider),
        "site_audits": [
            {
                "url": audit.url,
                "url_final": audit.url_final,
                "reachable": audit.reachable,
                "status_code": audit.status_code,
                "fetched_at": audit.fetched_at,
                "ok": audit.ok_count,
                "to_improve": audit.to_improve_count,
                "missing": audit.missing_count,
            }
            for audit in audits
        ],
        "declared_observed_gaps": [
            {"code": gap.code, "status": gap.status, "decided_at": gap.decided_at} for gap in gaps
        ],
        "workshop_invitations": [
            {
                "session": inv.session.display_title,
                "session_starts_at": inv.session.starts_at,
                "email": inv.email,
                "reason": inv.reason,
                "sent_at": inv.sent_at,
            }
            for inv in SessionInvitation.objects.filter(provider=provider)
            .select_related("session", "session__theme")
            .order_by("created_at", "id")
        ],
        "workshop_registrations": _registrations(Registration.objects.filter(provider=provider)),
        "appointments": _appointments(Appointment.objects.filter(provider=provider)),
    }


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def person_export(office: Office, email: str) -> dict[str, Any]:
    """Everything the office holds under one e-mail address (case-insensitive): workshop
    registrations, appointments and « prévenez-moi », invitation e-mails, directory records
    whose contact address it is, and the staff account when the person is on the office's
    staff.
    Reading only."""
    email = normalise_email(email)
    membership = (
        Membership.objects.filter(office=office, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    return _header(office, "person") | {
        "email": email,
        "providers": [
            {
                "id": provider.pk,
                "name": provider.name,
                "contact_name": provider.contact_name,
                "email": provider.email,
                "phone": provider.phone,
                "marketing_consent": provider.marketing_consent,
                "marketing_consent_at": provider.marketing_consent_at,
            }
            for provider in Provider.objects.filter(office=office, email__iexact=email)
        ],
        "diagnostic_invitations": [
            {
                "campaign": inv.campaign.name,
                "provider_id": inv.provider_id,
                "sent_at": inv.sent_at,
                "revoked_at": inv.revoked_at,
            }
            for inv in Invitation.objects.filter(office=office, email__iexact=email)
            .select_related("campaign")
            .order_by("created_at", "id")
        ],
        "workshop_invitations": [
            {
                "session": inv.session.display_title,
                "session_starts_at": inv.session.starts_at,
                "provider_id": inv.provider_id,
                "sent_at": inv.sent_at,
            }
            for inv in SessionInvitation.objects.filter(office=office, email__iexact=email)
            .select_related("session", "session__theme")
            .order_by("created_at", "id")
        ],
        "workshop_registrations": _registrations(
            Registration.objects.filter(office=office, email__iexact=email)
        ),
        "appointments": _appointments(
            Appointment.objects.filter(office=office, email__iexact=email)
        ),
        "workshop_alerts": [
            {
                "theme": alert.theme.title,
                "created_at": alert.created_at,
                "notified_at": alert.notified_at,
            }
            for alert in ThemeAlert.objects.filter(office=office, email__iexact=email)
            .select_related("theme")
            .order_by("created_at", "id")
        ],
        "staff_account": (
            {
                "email": membership.user.email,
                "full_name": membership.user.full_name,
                "role": membership.role,
                "member_since": membership.created_at,
                "date_joined": membership.user.date_joined,
                "last_login": membership.user.last_login,
                "is_active": membership.user.is_active,
            }
            if membership
            else None
        ),
    }


def person_has_data(document: dict[str, Any]) -> bool:
    keys = ("providers", "diagnostic_invitations", "workshop_invitations")
    keys += ("workshop_registrations", "appointments", "workshop_alerts")
    return any(document[key] for key in keys) or document["staff_account"] is not None
