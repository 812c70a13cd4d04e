"""Targeted invitations to a session, personalised from the provider's diagnostic.

"Votre diagnostic montre que…": the reason is built from the provider's latest completed
diagnostic (the recommendations that point to the session's theme, and the themes the
provider asked for in ``besoins.themes``). Invitations are information e-mails: they only
go to providers who accepted them (see :func:`send_invitations`).
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from balise.diagnostics.models import Answer, FiredRecommendation, QuestionnaireVersion, Response
from balise.jobs import outbox
from balise.members.models import Provider

from .models import Session, SessionInvitation, SessionStatus, Theme, WorkshopSettings

# What the outbox calls these e-mails (an operator reads them in the admin).
INVITATION_MAIL = "workshops.invitation"

NEEDS_QUESTION = "besoins.themes"


def latest_completed_response(provider: Provider) -> Response | None:
    return (
        Response.objects.filter(provider=provider, completed_at__isnull=False)
        .select_related("version")
        .order_by("-completed_at", "-pk")
        .first()
    )


def _quoted(titles: list[str]) -> str:
    quoted = [f"« {title} »" for title in titles]
    if len(quoted) == 1:
        return quoted[0]
    return _("%(first)s et %(last)s") % {"first": ", ".join(quoted[:-1]), "last": quoted[-1]}


def invitation_reason(*, provider: Provider, theme: Theme) -> str:
    """Why this provider is invited to a session of ``theme``, in French, or "".

    Read from the provider's latest completed diagnostic, as :func:`invitation_reasons`
    reads it. No side effect; four queries.
    """
    response = latest_completed_response(provider)
    if response is None:
        return ""
    reasons = invitation_reasons(Response.objects.filter(pk=response.pk))
    return reasons.get((provider.pk, theme.code), "")


def invitation_reasons(responses: QuerySet[Response]) -> dict[tuple[int, str], str]:
    """{(provider id, theme code): why invited} for these completed responses, one per
    provider (its latest), for every theme with a reason.

    A theme's reason holds the titles of the fired recommendations whose ``themes`` hold
    it (titles from the answered version's definition, by priority), and whether the
    provider chose it in ``besoins.themes`` (see :func:`reason_text`). No side effect;
    three queries whatever the number of responses.
    """
    titles = {
        version.pk: {rec.code: rec.title.fr for rec in version.parsed.recommendations}
        for version in QuestionnaireVersion.objects.filter(pk__in=responses.values("version_id"))
    }
    fired: dict[tuple[int, str], list[str]] = defaultdict(list)
    rows = (
        FiredRecommendation.objects.filter(response__in=responses)
        .order_by("response__provider_id", "priority", "pk")
        .values_list("response__provider_id", "response__version_id", "code", "themes")
    )
    for provider_id, version_id, code, themes in rows:
        title = titles[version_id].get(code)
        if title is None:
            continue
        for theme_code in themes or ():
            fired[(provider_id, theme_code)].append(title)
    asked = set(
        Answer.objects.filter(response__in=responses, question=NEEDS_QUESTION).values_list(
            "response__provider_id", "option"
        )
    )
    return {
        key: reason_text(titles=fired.get(key, []), asked=key in asked)
        for key in fired.keys() | asked
    }


def reason_text(*, titles: list[str], asked: bool) -> str:
    """The invitation's "why you" sentence, in French: the titles of the diagnostic's
    recommendations for the theme, and whether the provider asked for it; "" for none."""
    with translation.override(settings.LANGUAGE_CODE):
        parts = []
        if titles:
            parts.append(
                _("Votre diagnostic montre que ce sujet peut vous aider : %(titles)s.")
                % {"titles": _quoted(titles)}
            )
        if asked:
            parts.append(_("Vous avez demandé un atelier sur ce sujet."))
        return " ".join(parts)


# --- Who can be invited ------------------------------------------------------------------


def refusal_reason(provider: Provider) -> str:
    """Why no invitation can be e-mailed to this provider, or "" when one can."""
    if provider.archived_at is not None:
        return _("Prestataire archivé")
    if not provider.email:
        return _("Pas d'adresse e-mail")
    if not provider.marketing_consent:
        return _("N'a pas accepté les e-mails d'information")
    return ""


def mailable_q() -> Q:
    """The providers :func:`refusal_reason` lets through, as a query."""
    return Q(archived_at__isnull=True, marketing_consent=True) & ~Q(email="")


def candidates(*, session: Session, search: str = "", needs_only: bool = False) -> QuerySet:
    """The office's active providers, annotated for the invitation page.

    ``asked`` (the theme chosen in ``besoins.themes``) and ``recommended`` (a fired
    recommendation pointing to the theme) are read from each provider's latest completed
    response; ``invited`` says an invitation exists already. Providers with a need come
    first, then by name. One query.
    """
    code = session.theme.code
    latest = (
        Response.objects.filter(provider=OuterRef("pk"), completed_at__isnull=False)
        .order_by("-completed_at", "-pk")
        .values("pk")[:1]
    )
    qs = (
        Provider.objects.active()
        .filter(office=session.office)
        .annotate(latest_response_id=Subquery(latest))
        .annotate(
            asked=Exists(
                Answer.objects.filter(
                    response_id=OuterRef("latest_response_id"),
                    question=NEEDS_QUESTION,
                    option=code,
                )
            ),
            # The JSON list's text holds the quoted code: works on SQLite and PostgreSQL.
            recommended=Exists(
                FiredRecommendation.objects.filter(
                    response_id=OuterRef("latest_response_id"), themes__icontains=f'"{code}"'
                )
            ),
            invited=Exists(
                SessionInvitation.objects.filter(session=session, provider=OuterRef("pk"))
            ),
        )
        .select_related("commune")
    )
    if search:
        qs = qs.search(search)
    if needs_only:
        qs = qs.filter(Q(asked=True) | Q(recommended=True))
    return qs.order_by("-asked", "-recommended", "normalized_name", "pk")


def invite_providers(*, session: Session, providers) -> tuple[int, list[tuple[Provider, str]]]:
    """Create the invitations of ``providers`` (of the session's office) that can be mailed.

    Providers who cannot be invited (archived, no e-mail, no consent) are returned with the
    reason, and get no row. Existing invitations are kept as they are (get_or_create on the
    unique (session, provider) pair). Side effects: SessionInvitation rows with their
    reason. Returns (rows created, refused providers with why).
    """
    refused: list[tuple[Provider, str]] = []
    created = 0
    for provider in providers:
        if provider.office_id != session.office_id:
            continue
        why = refusal_reason(provider)
        if why:
            refused.append((provider, why))
            continue
        if SessionInvitation.objects.filter(session=session, provider=provider).exists():
            continue
        with transaction.atomic():
            _, was_created = SessionInvitation.objects.get_or_create(
                session=session,
                provider=provider,
                defaults={
                    "office": session.office,
                    "email": provider.email,
                    "reason": invitation_reason(provider=provider, theme=session.theme),
                },
            )
        created += was_created
    return created, refused


# --- Sending -----------------------------------------------------------------------------


def invitation_url(invitation: SessionInvitation) -> str:
    """The provider's personal link to the session, absolute (for the e-mail)."""
    return f"{settings.SITE_URL}{reverse('ateliers:invitation', args=[invitation.token])}"


def _message(invitation: SessionInvitation, *, user=None) -> EmailMessage:
    session = invitation.session
    office = session.office
    signature = (
        WorkshopSettings.objects.filter(office=office).values_list("signature", flat=True).first()
    )
    context = {
        "provider": invitation.provider,
        "office": office,
        "session": session,
        "theme": session.theme,
        "venue": session.venue,
        "reason": invitation.reason,
        "link": invitation_url(invitation),
        "signature": signature or "",
        "sender": user,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("emails/workshop_invitation_subject.txt", context)
        body = render_to_string("emails/workshop_invitation.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.provider.email],
        reply_to=[office.email] if office.email else None,
    )


def _due(session: Session) -> QuerySet[SessionInvitation]:
    return SessionInvitation.objects.filter(session=session, sent_at__isnull=True)


def _stamp(invitation: SessionInvitation) -> bool:
    """Mark the invitation as sent (with its reason), unless its provider may not be
    mailed any more."""
    if refusal_reason(invitation.provider):
        return False
    if not invitation.reason:
        invitation.reason = invitation_reason(
            provider=invitation.provider, theme=invitation.session.theme
        )
    invitation.email = invitation.provider.email
    invitation.sent_at = timezone.now()
    return True


def send_invitations(*, session: Session, user=None) -> int:
    """E-mail each not-yet-sent invitation of the session; returns how many left.

    Consent rule: an invitation to a workshop is an information e-mail, not a service
    message about something the provider started, so it only goes to providers who accepted
    the office's information e-mails (``Provider.marketing_consent`` True, RGPD consent
    recorded in the directory), who have an e-mail address and are not archived. The
    others are skipped and stay unsent (the invitation page says why). Nothing is sent for
    a cancelled or past session.

    Each row is locked, checked again and stamped with an outbox claim before its e-mail
    leaves (:func:`balise.jobs.outbox.send_once`), so a double click, two workers, or the
    task resumed after its worker died mail nobody twice; a refused address is tried
    again next time. Side effects: one French e-mail per invitation (the session, the
    personal reason, the public invitation link; replies go to the office), ``reason``
    filled when empty, ``email`` and ``sent_at`` recorded.
    """
    if session.status == SessionStatus.CANCELLED or session.starts_at <= timezone.now():
        return 0
    ids = list(
        _due(session)
        .filter(provider__in=Provider.objects.filter(mailable_q()))
        .values_list("pk", flat=True)
    )
    due = _due(session).select_related(
        "provider", "session__office", "session__theme", "session__venue"
    )
    sent = 0
    connection = get_connection()
    with connection:
        for pk in ids:
            sent += bool(
                outbox.send_once(
                    due,
                    pk,
                    kind=INVITATION_MAIL,
                    fields=["reason", "email", "sent_at"],
                    stamp=_stamp,
                    build=partial(_message, user=user),
                    connection=connection,
                )
            )
    return sent


@dataclass(frozen=True)
class InvitationRow:
    invitation: SessionInvitation
    refused: str  # why it cannot be sent, "" when it can (or was)


def invitation_rows(session: Session) -> list[InvitationRow]:
    """The session's invitations with, for unsent ones, why they cannot be sent. One query."""
    rows = SessionInvitation.objects.filter(session=session).select_related("provider")
    return [
        InvitationRow(invitation=row, refused="" if row.sent_at else refusal_reason(row.provider))
        for row in rows.order_by("provider__normalized_name", "pk")
    ]
