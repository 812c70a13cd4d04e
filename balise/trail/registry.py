"""Which models the audit trail follows, and how (django-auditlog registrations).

Kept here rather than in each app so the other apps' models stay untouched. Registered:
providers, diagnostic campaigns, responses and invitations, workshop sessions,
registrations, programmes and themes, staff memberships and the office's settings.
The score rows (Answer, AxisScore, FiredRecommendation) are derived from a response and
rewritten with it: they are not followed.

Left out on purpose (see docs): bookkeeping columns (``updated_at``, ``created_at``,
``normalized_name``, ``search_text``, reminder stamps), the invitation mailing stamps (one
mailing would write one entry per provider), the personal link's secret key (only the fact
that it changed is kept), and the people's names and e-mails on workshop registrations.

Bulk writes (``bulk_create``, ``bulk_update``, ``QuerySet.update``) send no signal and
are not logged: the member import, the invitation panel and the score rows use them.
"""

from auditlog.receivers import log_update
from auditlog.registry import auditlog
from django.db.models import Model
from django.db.models.signals import post_delete, pre_delete, pre_save

from balise.diagnostics.models import Campaign, Invitation, Response
from balise.members.models import Provider
from balise.offices.models import Membership, Office
from balise.workshops.models import Programme, Registration, Session, Theme

from . import context
from .models import ANSWERS_FIELD, Via, actor_and_via

# In the order of the journal's "kind" filter.
TRACKED: list[type[Model]] = [
    Provider,
    Campaign,
    Response,
    Invitation,
    Session,
    Registration,
    Programme,
    Theme,
    Membership,
    Office,
]

# Field changes never worth an entry when they come through a public page (the
# respondent saving a page of their questionnaire).
PUBLIC_UNTRACKED: dict[type[Model], frozenset[str]] = {Response: frozenset({ANSWERS_FIELD})}

HIDDEN = "••••"


def hide(_value: str) -> str:
    """Mask for secret fields: the entry says it changed, never what to."""
    return HIDDEN


OPTIONS: dict[type[Model], dict] = {
    Provider: {
        "exclude_fields": ["office", "normalized_name", "search_text", "created_at", "updated_at"],
        "m2m_fields": {"labels", "tags"},
    },
    Campaign: {"exclude_fields": ["office", "created_at"]},
    Response: {
        "include_fields": [
            "campaign",
            "provider",
            "version",
            "source",
            "filled_by",
            ANSWERS_FIELD,
            "completed_at",
            "overall_score",
            "level",
        ]
    },
    Invitation: {
        "include_fields": ["campaign", "provider", "revoked_at", "key"],
        "mask_fields": ["key"],
        "mask_callable": "balise.trail.registry.hide",
    },
    Session: {"exclude_fields": ["office", "created_at", "reminder_sent_at", "needs_covered"]},
    Registration: {
        "include_fields": [
            "session",
            "provider",
            "status",
            "source",
            "attended",
            "promoted_at",
            "cancelled_at",
        ]
    },
    Programme: {"exclude_fields": ["office", "created_at", "summary"]},
    Theme: {"exclude_fields": ["office", "created_at"]},
    Membership: {"include_fields": ["user", "role"]},
    Office: {"exclude_fields": ["created_at"]},
}


def tracked_fields(model: type[Model]) -> frozenset[str]:
    """Names (and attnames) of the concrete fields whose changes are logged."""
    options = OPTIONS[model]
    include = set(options.get("include_fields") or [])
    exclude = set(options.get("exclude_fields") or [])
    names = set()
    for field in model._meta.concrete_fields:
        if (include and field.name not in include) or field.name in exclude:
            continue
        names.update({field.name, field.attname})
    return frozenset(names)


_TRACKED_FIELDS: dict[type[Model], frozenset[str]] = {}


def log_tracked_update(sender, instance, update_fields=None, **kwargs):
    """django-auditlog's pre_save receiver, skipped when no tracked field can change.

    django-auditlog reads the stored row before every save to compute the difference.
    A ``save(update_fields=[...])`` that touches none of the followed fields (a reminder
    stamp, or a respondent's page of answers through their personal link) cannot make
    an entry: skipping it saves that query on the busiest public pages.
    """
    if update_fields is not None:
        tracked = _TRACKED_FIELDS[sender]
        request = context.current_request()
        if sender in PUBLIC_UNTRACKED and actor_and_via(request)[1] == Via.PUBLIC:
            tracked = tracked - PUBLIC_UNTRACKED[sender]
        if not tracked.intersection(update_fields):
            return
    log_update(sender=sender, instance=instance, update_fields=update_fields, **kwargs)


def _office_deletion_starts(sender, instance, **kwargs):
    context.start_office_deletion(instance.pk)


def _office_deletion_ends(sender, instance, **kwargs):
    context.end_office_deletion(instance.pk)


def register_models() -> None:
    """Register every followed model with django-auditlog (called once, at start-up)."""
    update_uid = auditlog._dispatch_uid(pre_save, log_update)
    for model in TRACKED:
        if auditlog.contains(model):
            continue
        auditlog.register(model, **OPTIONS[model])
        _TRACKED_FIELDS[model] = tracked_fields(model)
        # Swap django-auditlog's update receiver for the one above.
        pre_save.disconnect(sender=model, dispatch_uid=update_uid)
        pre_save.connect(log_tracked_update, sender=model, dispatch_uid="balise.trail.update")
    pre_delete.connect(_office_deletion_starts, sender=Office, dispatch_uid="balise.trail.od")
    post_delete.connect(_office_deletion_ends, sender=Office, dispatch_uid="balise.trail.od")
