"""Reading the audit trail: an office's entries, filtered, turned into rows to show.

Writing is django-auditlog's job (see ``registry`` and ``models``); this module only
reads, except :func:`forget_object`, which the privacy erasure can call.

The journal page costs a constant number of queries for a page of entries, whatever
their number: the entries with their actor (one query), then at most one query per kind
of object on the page (does the object still exist, for the link) and one per kind of
related row named in the changes (a commune, a campaign, a user…).
"""

import contextlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import ForeignKey, JSONField, Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from balise.diagnostics.models import Campaign, Invitation, QuestionnaireVersion, Response
from balise.members.models import Provider
from balise.offices.models import Membership, Office, User
from balise.workshops.models import Programme, Registration, Session, Theme

from .models import ANSWERS_FIELD, Entry, Via
from .registry import HIDDEN, TRACKED

PAGE_SIZE = 50
TRUNCATE_AT = 140
EMPTY_VALUES = {"None", "", "[]", "{}"}

# Where each kind of object is shown: URL name and the URL arguments from its row.
LINKS: dict[type[Model], tuple[str, tuple[str, ...], callable]] = {
    Provider: ("members:provider_detail", ("pk",), lambda r: {"provider_id": r["pk"]}),
    Campaign: ("diagnostics:campaign_detail", ("pk",), lambda r: {"campaign_id": r["pk"]}),
    Response: (
        "diagnostics:campaign_detail",
        ("pk", "campaign_id"),
        lambda r: {"campaign_id": r["campaign_id"]},
    ),
    Invitation: (
        "diagnostics:campaign_detail",
        ("pk", "campaign_id"),
        lambda r: {"campaign_id": r["campaign_id"]},
    ),
    Session: ("workshops:session_detail", ("pk",), lambda r: {"session_id": r["pk"]}),
    Registration: (
        "workshops:session_detail",
        ("pk", "session_id"),
        lambda r: {"session_id": r["session_id"]},
    ),
    Programme: ("workshops:programme_detail", ("pk",), lambda r: {"programme_id": r["pk"]}),
    Theme: ("workshops:theme_edit", ("pk",), lambda r: {"theme_id": r["pk"]}),
    Membership: ("offices:staff_edit", ("pk",), lambda r: {"membership_id": r["pk"]}),
}

# Related rows whose name needs another row: fetched together.
RELATED_SELECT: dict[type[Model], tuple[str, ...]] = {
    QuestionnaireVersion: ("questionnaire",),
    Session: ("theme",),
    Membership: ("user", "office"),
    Response: ("provider", "campaign"),
    Invitation: ("provider", "campaign"),
}


def kind_key(model: type[Model]) -> str:
    return model._meta.label_lower


def kind_choices() -> list[tuple[str, str]]:
    """The followed kinds of object, for the filter: ``("members.provider", "Prestataires")``."""
    return [(kind_key(model), capfirst(model._meta.verbose_name_plural)) for model in TRACKED]


def content_types() -> dict[str, ContentType]:
    """The followed models' content types by kind key (cached by Django after the first call)."""
    by_model = ContentType.objects.get_for_models(*TRACKED)
    return {kind_key(model): ct for model, ct in by_model.items()}


def journal(
    office: Office,
    *,
    who: str = "",
    kind: str = "",
    action: int | None = None,
    start: date | None = None,
    end: date | None = None,
    search: str = "",
    object_id: int | None = None,
) -> QuerySet[Entry]:
    """The office's entries, newest first, narrowed by the filters given.

    ``who`` is ``"u<user id>"``, ``"public"`` (a provider through a personal link or a
    public page) or ``"system"`` (commands and background tasks); ``kind`` a key of
    :func:`kind_choices`; ``start``/``end`` dates in the office's time zone, both
    included. No side effect.
    """
    entries = Entry.objects.filter(office=office).select_related("actor")
    if who.startswith("u") and who[1:].isdigit():
        entries = entries.filter(actor_id=int(who[1:]))
    elif who == "public":
        entries = entries.filter(via=Via.PUBLIC)
    elif who == "system":
        entries = entries.filter(via=Via.SYSTEM)
    if kind:
        content_type = content_types().get(kind)
        entries = entries.filter(content_type=content_type) if content_type else entries.none()
        if object_id is not None:
            entries = entries.filter(object_id=object_id)
    if action is not None:
        entries = entries.filter(action=action)
    if start is not None:
        entries = entries.filter(timestamp__gte=_day_start(start))
    if end is not None:
        entries = entries.filter(timestamp__lt=_day_start(end, next_day=True))
    if search:
        entries = entries.filter(Q(object_repr__icontains=search))
    return entries.order_by("-timestamp", "-pk")


def _day_start(day: date, *, next_day: bool = False) -> datetime:
    """Midnight (office time zone) at the start of ``day``, or of the day after."""
    if next_day:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


# --- presentation ------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""
    note: str = ""  # said instead of old → new (list changes, answers, secrets)


@dataclass
class Row:
    entry: Entry
    who: str
    staff: bool
    action: str
    created: bool
    kind: str
    name: str
    url: str | None
    changes: list[Change] = field(default_factory=list)


def who_label(entry: Entry) -> str:
    if entry.via == Via.PUBLIC:
        return _("le prestataire (lien personnel)")
    if entry.via == Via.SYSTEM and entry.actor_id is None:
        return _("système")
    if entry.actor is not None:
        name = entry.actor.full_name or entry.actor.email
    else:
        name = entry.actor_email or _("compte supprimé")
    return _("%(name)s (API)") % {"name": name} if entry.via == Via.API else name


def action_label(entry: Entry) -> str:
    return {
        Entry.Action.CREATE: _("créé"),
        Entry.Action.UPDATE: _("modifié"),
        Entry.Action.DELETE: _("supprimé"),
    }.get(entry.action, _("consulté"))


def rows(office: Office, entries: list[Entry]) -> list[Row]:
    """What the journal shows for each entry: who, what, the link, the changes."""
    models_by_ct = {
        ct.pk: model for model, ct in ContentType.objects.get_for_models(*TRACKED).items()
    }
    links = _links(office, models_by_ct, entries)
    names = _related_names(office, models_by_ct, entries)
    result = []
    for entry in entries:
        model = models_by_ct.get(entry.content_type_id)
        result.append(
            Row(
                entry=entry,
                who=who_label(entry),
                staff=entry.via in (Via.WEB, Via.API),
                action=action_label(entry),
                created=entry.action == Entry.Action.CREATE,
                kind=capfirst(model._meta.verbose_name) if model else "",
                name=entry.object_repr,
                url=links.get((entry.content_type_id, entry.object_id)),
                changes=_changes(entry, model, names) if model else [],
            )
        )
    return result


def _links(office, models_by_ct, entries) -> dict[tuple[int, int], str]:
    wanted = defaultdict(set)
    for entry in entries:
        if entry.object_id is not None:
            wanted[entry.content_type_id].add(entry.object_id)
    links = {}
    for ct_id, ids in wanted.items():
        model = models_by_ct.get(ct_id)
        if model is Office:
            if office.pk in ids:
                links[(ct_id, office.pk)] = reverse("offices:settings", args=[office.slug])
            continue
        if model not in LINKS:
            continue
        url_name, columns, url_kwargs = LINKS[model]
        found = model._default_manager.filter(office=office, pk__in=ids).order_by()
        for row in found.values(*columns):
            try:
                url = reverse(url_name, kwargs={"office_slug": office.slug, **url_kwargs(row)})
            except NoReverseMatch:
                continue
            links[(ct_id, row["pk"])] = url
    return links


def _fk_fields(model) -> dict[str, ForeignKey]:
    return {f.name: f for f in model._meta.concrete_fields if isinstance(f, ForeignKey)}


def _related_names(office, models_by_ct, entries) -> dict[type[Model], dict[int, str]]:
    wanted: dict[type[Model], set[int]] = defaultdict(set)
    for entry in entries:
        model = models_by_ct.get(entry.content_type_id)
        if model is None or not entry.changes or entry.action == Entry.Action.DELETE:
            continue
        fks = _fk_fields(model)
        for name, values in entry.changes.items():
            if name in fks and isinstance(values, list):
                for value in values:
                    if isinstance(value, str) and value.isdigit():
                        wanted[fks[name].related_model].add(int(value))
    names = {}
    for related, ids in wanted.items():
        bulky = [f.name for f in related._meta.concrete_fields if isinstance(f, JSONField)]
        rows_ = related._default_manager.filter(pk__in=ids).order_by().defer(*bulky)
        if related in RELATED_SELECT:
            rows_ = rows_.select_related(*RELATED_SELECT[related])
        if any(f.name == "office" for f in related._meta.concrete_fields):
            rows_ = rows_.filter(office=office)
        elif related is User:
            rows_ = rows_.only("pk", "email", "full_name")
        names[related] = {
            obj.pk: (obj.full_name or obj.email) if isinstance(obj, User) else str(obj)
            for obj in rows_
        }
    return names


def _changes(entry: Entry, model, names) -> list[Change]:
    if entry.action == Entry.Action.DELETE or not entry.changes:
        return []
    fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
    result = []
    for name, values in entry.changes.items():
        model_field = fields.get(name)
        label = capfirst(str(model_field.verbose_name)) if model_field else name
        if name == ANSWERS_FIELD and isinstance(values, dict):
            label = _("Réponses")
            codes = values.get("questions") or []
            result.append(Change(label, note=_answers_note(codes)))
            continue
        if isinstance(values, dict) and values.get("type") == "m2m":
            result.append(Change(label, note=_m2m_note(values)))
            continue
        if not isinstance(values, list) or len(values) != 2:
            continue
        old, new = (str(v) for v in values)
        if old == HIDDEN and new == HIDDEN:
            result.append(Change(label, note=_("modifié (valeur secrète, non conservée)")))
            continue
        if entry.action == Entry.Action.CREATE:
            if new in EMPTY_VALUES:
                continue
            result.append(Change(label, new=_display(model_field, new, names)))
            continue
        result.append(
            Change(
                label, old=_display(model_field, old, names), new=_display(model_field, new, names)
            )
        )
    return result


def _answers_note(codes: list[str]) -> str:
    shown = ", ".join(codes[:10]) + ("…" if len(codes) > 10 else "")
    if len(codes) == 1:
        return _("1 question modifiée (%(codes)s)") % {"codes": shown}
    return _("%(count)s questions modifiées (%(codes)s)") % {"count": len(codes), "codes": shown}


def _m2m_note(values: dict) -> str:
    objects = ", ".join(str(o) for o in values.get("objects") or [])
    if values.get("operation") == "add":
        return _("ajout : %(objects)s") % {"objects": objects}
    return _("retrait : %(objects)s") % {"objects": objects}


def _display(model_field, value: str, names) -> str:
    """A stored value (django-auditlog keeps text) as the journal shows it."""
    if value == "None" or value == "":
        return "—"
    if model_field is None:
        return _truncate(value)
    if isinstance(model_field, ForeignKey):
        related = names.get(model_field.related_model, {})
        if value.isdigit() and int(value) in related:
            return related[int(value)]
        return _("n° %(id)s (supprimé)") % {"id": value}
    choices = getattr(model_field, "flatchoices", None)
    if choices:
        labels = {str(key): label for key, label in choices}
        if value in labels:
            return str(labels[value])
    internal = model_field.get_internal_type()
    if internal == "BooleanField":
        return {"True": _("oui"), "False": _("non")}.get(value, value)
    if internal == "DateTimeField":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)  # django-auditlog stores UTC without offset
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if internal == "DateField":
        try:
            return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    if internal in ("FloatField", "DecimalField"):
        try:
            return localize(round(float(value), 2))
        except ValueError:
            return value
    if isinstance(model_field, JSONField):
        with contextlib.suppress(ValueError):
            value = json.dumps(json.loads(value), ensure_ascii=False)
    return _truncate(value)


def _truncate(value: str) -> str:
    return value if len(value) <= TRUNCATE_AT else value[:TRUNCATE_AT] + "…"


# --- erasure -----------------------------------------------------------------------------


def forget_object(instance: Model) -> int:
    """Blank what the journal kept about one row (its name and its changed values).

    For the privacy erasure: the entries stay (who did what, when), the personal data
    goes. Side effects: updates the row's entries in place. Returns how many changed.
    """
    content_type = ContentType.objects.get_for_model(type(instance))
    return Entry.objects.filter(content_type=content_type, object_id=instance.pk).update(
        object_repr=_("(effacé)"), changes=None, changes_text="", serialized_data=None
    )


def forget_provider(sender, *, office, provider_id: int, **kwargs) -> int:
    """On a provider's erasure (``balise.privacy.signals.provider_erased``): blank what the
    journal kept about the provider and about every tracked row tied to it (diagnostics,
    invitations, workshop registrations...), so the old name, e-mail and answers do not
    survive in the history. Returns how many entries changed."""
    from balise.members.models import Provider

    rows = [(Provider, [provider_id])]
    for model in TRACKED:
        if model is not Provider and any(f.name == "provider" for f in model._meta.fields):
            ids = model._default_manager.filter(provider_id=provider_id).values_list(
                "pk", flat=True
            )
            rows.append((model, list(ids)))
    changed = 0
    for model, ids in rows:
        content_type = ContentType.objects.get_for_model(model)
        changed += Entry.objects.filter(
            office=office, content_type=content_type, object_id__in=ids
        ).update(object_repr=_("(effacé)"), changes=None, changes_text="", serialized_data=None)
    return changed
