"""The history of each provider's marketing consent (RGPD: proof of consent).

Every change of ``Provider.marketing_consent`` is written as a :class:`ConsentRecord`:

- by signals on :class:`Provider` for every ``save()`` (the staff form, the API, the
  admin, scripts): ``post_init`` remembers the value loaded from the database, and
  ``post_save`` compares it with the saved one, so no extra query is made;
- by :func:`reconcile` for the writes that bypass signals (the importer's
  ``bulk_create``/``bulk_update``): it compares each provider with its latest record and
  writes the missing ones, dated from the provider's own consent date. It runs when an
  import batch is marked applied, before an export, and in ``balise apply_retention``.
"""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from balise.members.models import Provider
from balise.members.signals import providers_imported

from .models import ConsentRecord

_UNKNOWN = object()


def current_actor():
    """The logged-in staff user of the current request, else None (commands, imports).

    Read from the audit trail's request context (``balise.trail.context``, which also
    sees the user an API token authenticated), else from django-auditlog's context.
    """
    actor = None
    try:
        from balise.trail.context import current_request
    except ImportError:  # the audit trail app is optional here
        current_request = None
    request = current_request() if current_request else None
    if request is not None:
        actor = getattr(request, "user", None)
    else:
        try:
            from auditlog.context import auditlog_value

            actor = auditlog_value.get().get("actor")
        except (ImportError, LookupError):
            actor = None
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor if getattr(actor, "pk", None) else None


@receiver(post_init, sender=Provider, dispatch_uid="privacy_consent_loaded")
def _remember_loaded_consent(sender, instance, **kwargs):
    # Deferred (``.only()``) instances do not know their consent: post_save then asks.
    instance._privacy_loaded_consent = instance.__dict__.get("marketing_consent", _UNKNOWN)


@receiver(post_save, sender=Provider, dispatch_uid="privacy_consent_saved")
def _record_consent_change(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if update_fields is not None and "marketing_consent" not in update_fields:
        return
    previous = False if created else getattr(instance, "_privacy_loaded_consent", _UNKNOWN)
    current = bool(instance.marketing_consent)
    instance._privacy_loaded_consent = current
    if previous is _UNKNOWN:
        latest = latest_record(instance)
        previous = latest.given if latest else False
    if bool(previous) == current:
        return
    actor = current_actor()
    if current:
        source = instance.marketing_consent_source or _("modification de la fiche")
        at = instance.marketing_consent_at or timezone.now()
    else:
        source = (
            _("retrait saisi par %(user)s") % {"user": actor.email}
            if actor
            else _("retrait du consentement")
        )
        at = timezone.now()
    ConsentRecord.objects.create(
        office_id=instance.office_id,
        provider=instance,
        given=current,
        at=at,
        source=source[:200],
        by_user=actor,
    )


def latest_record(provider: Provider) -> ConsentRecord | None:
    return ConsentRecord.objects.filter(provider=provider).order_by("-id").first()


def reconcile(providers: QuerySet[Provider], *, source: str = "") -> int:
    """Write the consent records missing for ``providers`` (changes made by bulk writes).

    A provider whose consent differs from its latest record (no record counting as "not
    given") gets a record dated from ``marketing_consent_at`` when given, else from
    ``updated_at``; its source is the provider's own consent source, else ``source``.
    Idempotent. Returns the number of records written. Side effect: ConsentRecord rows.
    """
    latest = ConsentRecord.objects.filter(provider=OuterRef("pk")).order_by("-id")
    stale = (
        providers.annotate(last_given=Subquery(latest.values("given")[:1]))
        .filter(
            Q(last_given__isnull=True, marketing_consent=True)
            | (Q(last_given__isnull=False) & ~Q(last_given=F("marketing_consent")))
        )
        .values(
            "pk",
            "office_id",
            "marketing_consent",
            "marketing_consent_at",
            "marketing_consent_source",
            "updated_at",
        )
    )
    default_source = source or _("mise à jour groupée de l'annuaire")
    records = [
        ConsentRecord(
            office_id=row["office_id"],
            provider_id=row["pk"],
            given=row["marketing_consent"],
            at=(row["marketing_consent_at"] if row["marketing_consent"] else None)
            or row["updated_at"],
            source=(
                (row["marketing_consent_source"] if row["marketing_consent"] else "")
                or default_source
            )[:200],
        )
        for row in stale
    ]
    ConsentRecord.objects.bulk_create(records)
    return len(records)


@receiver(providers_imported, dispatch_uid="privacy_consent_import")
def _reconcile_after_import(sender, *, office, provider_ids, source, **kwargs):
    """Imports write providers in bulk (no per-row signal): record the consents they
    changed, wizard and command line alike."""
    reconcile(Provider.objects.filter(office=office, pk__in=provider_ids), source=source)
