"""Invitations: each panel provider's personal link, and what the animator does with it.

An invitation is created when a provider joins a campaign's panel; mailing it lives in
:mod:`.invitation_mail`. Revoking or renewing a link never touches the answers given.
"""

import secrets

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from balise.members.models import Provider

from .models import Campaign, Invitation
from .targeting import targeted_providers


def invite(*, campaign: Campaign, providers: list[Provider] | None = None) -> int:
    """Add providers to the campaign's panel: one Invitation (personal link) each.

    ``providers`` defaults to :func:`targeted_providers`; other offices' providers are
    ignored. Idempotent: a provider already invited, even with a revoked link, is skipped.
    Side effects: creates Invitation rows, sends nothing. Returns how many were created.
    """
    qs = (
        targeted_providers(campaign)
        if providers is None
        else Provider.objects.filter(office=campaign.office, pk__in=[p.pk for p in providers])
    )
    new_ids = list(
        qs.exclude(Exists(Invitation.objects.filter(campaign=campaign, provider=OuterRef("pk"))))
        .order_by()
        .values_list("pk", flat=True)
    )
    before = Invitation.objects.filter(campaign=campaign).count()
    # The key is set here: bulk_create does not call Invitation.save().
    Invitation.objects.bulk_create(
        [
            Invitation(
                office=campaign.office,
                campaign=campaign,
                provider_id=pk,
                key=secrets.token_urlsafe(32),
            )
            for pk in new_ids
        ],
        ignore_conflicts=True,  # another click inviting the same providers at the same time
        batch_size=500,
    )
    return Invitation.objects.filter(campaign=campaign).count() - before


def invitation_url(invitation: Invitation) -> str:
    """The provider's personal link, absolute (for e-mails and the "copy link" field)."""
    return f"{settings.SITE_URL}{reverse('respond:welcome', args=[invitation.token])}"


def link_for_key(key: str) -> str:
    """:func:`invitation_url` from an invitation key alone (signing needs no query)."""
    return invitation_url(Invitation(key=key))


def revoke_invitation(*, invitation: Invitation) -> Invitation:
    """Make the personal link stop working at once (a forwarded or leaked link).

    Side effects: sets ``revoked_at``; answers already given stay. Idempotent.
    """
    if invitation.revoked_at is None:
        invitation.revoke()
    return invitation


def regenerate_link(*, invitation: Invitation) -> Invitation:
    """Give the provider a new personal link; the old one stops working.

    Side effects: new key, ``revoked_at`` cleared, and ``sent_at`` cleared so that the
    next "Envoyer les invitations" mails the new link. Answers already given stay.
    """
    invitation.key = secrets.token_urlsafe(32)
    invitation.revoked_at = None
    invitation.sent_at = None
    invitation.save(update_fields=["key", "revoked_at", "sent_at"])
    return invitation
