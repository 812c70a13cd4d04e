"""Directory workflows shared by the web pages and the API."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .communes import new_commune
from .models import Commune, Label, Provider, Tag


def resolve_commune(*, insee_code: str, postal_code: str = "") -> Commune | None:
    """The commune for an INSEE code: the stored row, else one made from the national
    reference (official name; ``postal_code`` when it is one of the commune's).

    ``None`` for an empty code or one neither knows: forms and the API refuse such a code
    first (``communes.is_known_code``). Side effect: may create a Commune row (reference
    data shared by all offices).
    """
    insee_code = (insee_code or "").strip().upper()
    found = Commune.objects.filter(insee_code=insee_code).first() if insee_code else None
    if found or not insee_code:
        return found
    new = new_commune(insee_code, postal_code=postal_code.strip())
    if new is None:
        return None
    commune, _created = Commune.objects.get_or_create(
        insee_code=insee_code, defaults={"name": new.name, "postal_code": new.postal_code}
    )
    return commune


def set_labels(provider: Provider, names: Iterable[str]) -> None:
    """Replace the provider's labels by ``names``; unknown labels are created."""
    labels = [Label.objects.get_or_create(name=name.strip())[0] for name in names if name.strip()]
    provider.labels.set(labels)


def set_tags(provider: Provider, names: Iterable[str]) -> None:
    """Replace the provider's tags by ``names``; new tags are created in its office."""
    tags = [
        Tag.objects.get_or_create(office_id=provider.office_id, name=name.strip())[0]
        for name in names
        if name.strip()
    ]
    provider.tags.set(tags)


def record_consent_change(provider: Provider, *, previous: bool | None, source: str) -> None:
    """Date and source the marketing consent when it is given; clear them when withdrawn.

    RGPD: the office must be able to show when and how consent was collected.
    Changes the instance only; the caller saves it.
    """
    if provider.marketing_consent and not previous:
        provider.marketing_consent_at = provider.marketing_consent_at or timezone.now()
        provider.marketing_consent_source = provider.marketing_consent_source or source
    elif not provider.marketing_consent and previous:
        provider.marketing_consent_at = None
        provider.marketing_consent_source = ""


@transaction.atomic
def save_provider(
    *,
    provider: Provider,
    previous_consent: bool | None,
    consent_source: str,
    insee_code: str | None = None,
    labels: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
) -> Provider:
    """Save a provider edited by staff, with its commune, labels, tags and consent record.

    ``None`` leaves the commune, labels or tags as they are. Side effects: writes the
    provider, may create a Commune (from the national reference), Labels and Tags.
    """
    if insee_code is not None:
        provider.commune = resolve_commune(insee_code=insee_code, postal_code=provider.postal_code)
        if provider.commune and not provider.city:
            provider.city = provider.commune.name
    record_consent_change(provider, previous=previous_consent, source=consent_source)
    provider.save()
    if labels is not None:
        set_labels(provider, labels)
    if tags is not None:
        set_tags(provider, tags)
    return provider
