"""The audit trail: django-auditlog's log entry with the office it belongs to.

``settings.AUDITLOG_LOGENTRY_MODEL = "trail.Entry"`` makes django-auditlog write these
rows instead of its own. Each entry carries its office (a foreign key, indexed with the
timestamp) so that an office's journal is one indexed query and another office's entries
can never show; it also says through which door the change came (``via``).

The manager decides, for every entry django-auditlog is about to write:

- the office: ``instance.office_id``, or the office itself; no office, no entry;
- the actor: the user of the current request (session or API token), read when the
  entry is written; no request means a command or a background task ("système");
- what is kept of a questionnaire's answers: the codes of the questions that changed,
  never the answers themselves (they can hold free text about a business); and nothing
  at all when the respondent saves a page through their personal link, so that public
  answering does not flood the journal with one entry per page.
"""

import json

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from balise.offices.models import Office

from . import context

ANSWERS_FIELD = "answers"


class Via(models.TextChoices):
    WEB = "web", _("interface")
    API = "api", _("API")
    PUBLIC = "public", _("lien personnel ou page publique")
    SYSTEM = "system", _("système")


def office_id_of(instance: models.Model) -> int | None:
    """The office a tracked row belongs to (an Office is its own office)."""
    if isinstance(instance, Office):
        return instance.pk
    return getattr(instance, "office_id", None)


def actor_and_via(request) -> tuple[models.Model | None, str]:
    """The staff user behind ``request`` and the door they came through."""
    if request is None:
        return None, Via.SYSTEM
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        user = getattr(user, "_wrapped", user)  # a session's SimpleLazyObject
        if isinstance(user, get_user_model()):
            api = getattr(request, "auth", None) is not None
            return user, Via.API if api else Via.WEB
    return None, Via.PUBLIC


def answers_summary(change) -> dict | None:
    """``{"type": "answers", "questions": [codes]}`` for a change of ``Response.answers``.

    django-auditlog stores a JSON field's old and new values as JSON text; only the
    question codes whose answer differs are kept.
    """

    def load(text):
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    old, new = load(change[0]), load(change[1])
    codes = sorted(code for code in old.keys() | new.keys() if old.get(code) != new.get(code))
    return {"type": "answers", "questions": codes} if codes else None


def object_repr_of(instance: models.Model) -> str:
    """The name the journal shows for a row; no person's name for a registration."""
    from balise.workshops.models import Registration

    try:
        if isinstance(instance, Registration):
            return f"{instance.session} — inscription n° {instance.pk}"
        return str(instance)
    except ObjectDoesNotExist:
        return f"{instance._meta.verbose_name} n° {instance.pk}"


class EntryManager(LogEntryManager):
    def _prepare(self, instance, kwargs: dict) -> dict | None:
        """Office, actor, door, and the answers rewrite; None when nothing is to be kept."""
        office_id = office_id_of(instance)
        if office_id is None or office_id in context.deleting_offices():
            return None
        actor, via = actor_and_via(context.current_request())
        changes = kwargs.get("changes")
        if changes and ANSWERS_FIELD in changes and changes[ANSWERS_FIELD]:
            changes = dict(changes)
            summary = None
            if via != Via.PUBLIC and not isinstance(changes[ANSWERS_FIELD], dict):
                summary = answers_summary(changes[ANSWERS_FIELD])
            if summary is None:
                del changes[ANSWERS_FIELD]
                if not changes:
                    return None
            else:
                changes[ANSWERS_FIELD] = summary
            kwargs["changes"] = changes
        kwargs["office_id"] = office_id
        kwargs.setdefault("object_repr", object_repr_of(instance))
        kwargs.setdefault("via", via)
        if actor is not None and "actor" not in kwargs:
            kwargs["actor"] = actor
            kwargs["actor_email"] = actor.email
        return kwargs

    def log_create(self, instance, force_log: bool = False, **kwargs):
        kwargs = self._prepare(instance, kwargs)
        if kwargs is None:
            return None
        return super().log_create(instance, force_log=force_log, **kwargs)

    def log_m2m_changes(self, changed_queryset, instance, operation, field_name, **kwargs):
        from auditlog.registry import auditlog

        # Only the tracked side: ``label.providers.add(p)`` reaches us with the Label.
        if not auditlog.contains(type(instance)):
            return None
        kwargs = self._prepare(instance, kwargs)
        if kwargs is None:
            return None
        return super().log_m2m_changes(changed_queryset, instance, operation, field_name, **kwargs)


class Entry(AbstractLogEntry):
    """One change to a tracked row: who, when, what, through which door, for which office."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office")
    )
    via = models.CharField(_("par"), max_length=10, choices=Via.choices, default=Via.SYSTEM)

    objects = EntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des modifications")
        indexes = [models.Index(fields=["office", "-timestamp", "-id"], name="trail_office_time")]
