"""The demo directory: each office's providers, saved in bulk.

The providers are drawn by :mod:`.providers`; this module writes them with a handful of
``bulk_create`` calls. The directory benchmark reuses it to seed 20,000 providers.
"""

from django.utils.translation import gettext as _

from balise.members.models import (
    Commune,
    Label,
    Provider,
    ProviderSourceId,
    Tag,
)
from balise.offices.models import Office

from .catalog import LABELS
from .context import DemoContext
from .providers import ProviderDraft, generate_directory
from .territory import OFFICES, CommuneSpec, OfficeSpec


def ensure_communes(specs: tuple[CommuneSpec, ...]) -> dict[str, Commune]:
    """The communes of ``specs`` by INSEE code, created when missing (shared reference data)."""
    Commune.objects.bulk_create(
        [Commune(insee_code=c.insee_code, name=c.name, postal_code=c.postal_code) for c in specs],
        ignore_conflicts=True,
    )
    return {
        c.insee_code: c
        for c in Commune.objects.filter(insee_code__in=[s.insee_code for s in specs])
    }


def ensure_labels(names=LABELS) -> dict[str, Label]:
    Label.objects.bulk_create([Label(name=name) for name in names], ignore_conflicts=True)
    return {label.name: label for label in Label.objects.filter(name__in=names)}


def save_directory(office: Office, spec: OfficeSpec, drafts: list[ProviderDraft]) -> list[Provider]:
    """Write ``drafts`` as ``office``'s providers, with labels, tags and SIT ids.

    Side effects: creates the communes and labels it needs (shared), the office's tags,
    then the providers and their links in bulk. Providers' ``save()`` is bypassed, so their
    derived columns (sort name, search text) are computed here.
    """
    communes = ensure_communes(spec.communes)
    labels = ensure_labels()
    Tag.objects.bulk_create(
        [Tag(office=office, name=name) for name in spec.tags], ignore_conflicts=True
    )
    tags = {tag.name: tag for tag in Tag.objects.filter(office=office)}

    drafted = [
        Provider(
            office=office,
            name=d.name,
            legal_name=d.legal_name,
            category=d.category,
            description=d.description,
            address=d.address,
            postal_code=d.commune.postal_code,
            city=d.commune.name,
            commune=communes[d.commune.insee_code],
            latitude=d.latitude,
            longitude=d.longitude,
            contact_name=d.contact_name,
            email=d.email,
            phone=d.phone,
            website=d.website,
            social_links=d.social_links,
            classification=d.classification,
            membership_status=d.membership_status,
            membership_year=d.membership_year,
            marketing_consent=d.marketing_consent,
            marketing_consent_at=d.marketing_consent_at,
            marketing_consent_source=d.marketing_consent_source,
            notes=d.notes,
            archived_at=d.archived_at,
        )
        for d in drafts
    ]
    for provider in drafted:
        provider.refresh_derived()
    providers = Provider.objects.bulk_create(drafted, batch_size=500)
    if providers and providers[0].pk is None:  # databases that do not return ids
        by_name = dict(Provider.objects.filter(office=office).values_list("normalized_name", "pk"))
        for provider in providers:
            provider.pk = by_name[provider.normalized_name]

    label_links, tag_links, source_ids = [], [], []
    for provider, draft in zip(providers, drafts, strict=True):
        label_links += [
            Provider.labels.through(provider_id=provider.pk, label_id=labels[name].pk)
            for name in draft.labels
        ]
        tag_links += [
            Provider.tags.through(provider_id=provider.pk, tag_id=tags[name].pk)
            for name in draft.tags
        ]
        source_ids += [
            ProviderSourceId(
                office=office, provider_id=provider.pk, source=source, external_id=value
            )
            for source, value in draft.source_ids
        ]
    Provider.labels.through.objects.bulk_create(label_links, batch_size=1000)
    Provider.tags.through.objects.bulk_create(tag_links, batch_size=1000)
    ProviderSourceId.objects.bulk_create(source_ids, batch_size=1000)
    return providers


def build(ctx: DemoContext) -> None:
    """Demo step: each office's directory."""
    for spec in OFFICES:
        drafts = generate_directory(spec, rng=ctx.rng("annuaire", spec.slug))
        providers = save_directory(ctx.result.offices[spec.slug], spec, drafts)
        ctx.result.count(spec.slug, "prestataires", len(providers))
        ctx.result.count(spec.slug, "communes", len({d.commune.insee_code for d in drafts}))
        ctx.log(
            _("%(office)s : %(providers)s prestataires dans %(communes)s communes.")
            % {
                "office": spec.name,
                "providers": len(providers),
                "communes": len({d.commune.insee_code for d in drafts}),
            }
        )
