"""Importing members into the provider directory: read → plan (the preview) → apply.

1. :func:`read_records` turns files (CSV, XLSX, DATAtourisme, Apidae, Tourinsoft; plain,
   in folders or zipped) into :class:`ProviderRecord` objects. It writes nothing.
2. :func:`plan_import` matches each record with this office's directory and says what
   would happen: create, update (with the field-by-field changes), unchanged, skip (an
   event, a deleted object) or error. It writes nothing.
3. :func:`apply_import` carries the plan out in one transaction, or refuses it whole
   when any record has an error.

Re-import rules (see ``plan_import``): a record is the provider with the same SIT id,
else the provider with the same name in the same commune. A re-import never creates a
duplicate; values from the file update the provider, an empty value never erases one,
labels and tags are only ever added, and what the office maintains by hand (notes, tags,
membership, marketing consent) is never touched by a SIT import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .communes import CommuneResolver, commune_key, new_commune
from .fields import IMPORTED_COLUMNS
from .importers import apidae, datatourisme, tourinsoft
from .importers.base import ImportFileError, ProviderRecord, open_entries
from .importers.cleaning import cell_text
from .importers.columns import FIELD_LABELS, MAPPABLE_FIELD_NAMES, MAPPABLE_FIELDS, suggest_mapping
from .importers.matching import Directory, chunks
from .importers.spreadsheet import open_table, records_from_table
from .models import (
    SEARCHED_FIELDS,
    Category,
    Commune,
    ImportBatch,
    Label,
    Provider,
    ProviderSourceId,
    Source,
    Tag,
    normalize_name,
)
from .signals import providers_imported

__all__ = [
    "ACTIONS",
    "FIELD_LABELS",
    "FORMATS",
    "HAND_KEPT_FIELDS",
    "MAPPABLE_FIELDS",
    "ImportFileError",
    "ImportPlan",
    "ImportRejected",
    "PlannedRow",
    "ProviderRecord",
    "SpreadsheetPreview",
    "apply_import",
    "inspect_spreadsheet",
    "iter_records",
    "plan_import",
    "read_records",
]

FORMATS = {
    "csv": gettext_lazy("Tableur CSV"),
    "xlsx": gettext_lazy("Classeur Excel (XLSX)"),
    "datatourisme": gettext_lazy("DATAtourisme (JSON-LD, ou ZIP de fichiers)"),
    "apidae": gettext_lazy("Apidae (objet JSON ou export ZIP)"),
    "tourinsoft": gettext_lazy("Tourinsoft (flux OData JSON)"),
}
SPREADSHEET_FORMATS = {"csv", "xlsx"}
ACTIONS = ("create", "update", "unchanged", "skip", "error")

# Kept as the office typed them when the data comes from a SIT feed.
HAND_KEPT_FIELDS = frozenset(
    {"notes", "tags", "membership_status", "membership_year", "marketing_consent"}
)
_BATCH_SIZE = 500


class ImportRejected(Exception):
    """The plan has errors: nothing was written. The message is in French."""


# -- Reading ---------------------------------------------------------------------------


@dataclass
class SpreadsheetPreview:
    """What the column-mapping form shows: titles, a suggested mapping, a few rows."""

    headers: list[str]
    suggested_mapping: dict[str, str]
    sample_rows: list[list[str]]
    row_count: int


def _spreadsheet_suffixes(format: str) -> tuple[str, ...]:
    return (".csv", ".txt", ".tsv") if format == "csv" else (".xlsx",)


def inspect_spreadsheet(*, format: str, path: Path) -> SpreadsheetPreview:
    """Titles, suggested mapping, the first 5 rows and the row count of a CSV or XLSX
    file (the first table of a zip; counted up to one past :func:`max_records`). Reads
    the file as a stream.

    No side effects. Raises ImportFileError when the file cannot be read.
    """
    if format not in SPREADSHEET_FORMATS:
        raise ImportFileError(_("Format de tableur inconnu : « %(format)s ».") % {"format": format})
    with open_entries([Path(path)], suffixes=_spreadsheet_suffixes(format)) as entries:
        for entry in entries[:1]:
            with open_table(entry, format=format) as table:
                width = len(table.headers)
                samples = []
                row_count = 0
                for _number, row in table.rows:
                    row_count += 1
                    if row_count > max_records():
                        break  # enough to say the file is over the limit
                    if len(samples) < 5:
                        cells = list(row[:width]) + [None] * (width - len(row))
                        samples.append([cell_text(cell) for cell in cells])
                return SpreadsheetPreview(
                    headers=table.headers,
                    suggested_mapping=suggest_mapping(table.headers),
                    sample_rows=samples,
                    row_count=row_count,
                )
    raise ImportFileError(_("Aucun fichier %(format)s trouvé.") % {"format": format.upper()})


def _check_mapping(mapping: Any, headers: list[str], name: str) -> dict[str, str]:
    if not isinstance(mapping, dict):
        raise ImportFileError(_("La correspondance des colonnes doit être un objet JSON."))
    unknown = {value for value in mapping.values() if value and value not in MAPPABLE_FIELD_NAMES}
    if unknown:
        raise ImportFileError(
            _("Correspondance des colonnes : champ(s) inconnu(s) %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    used = {header: value for header, value in mapping.items() if value and header in headers}
    if "name" not in used.values():
        raise ImportFileError(
            _("« %(name)s » : aucune colonne n'est associée au nom du prestataire.")
            % {"name": name}
        )
    return used


def _spreadsheet_records(format: str, paths: list[Path], options: dict) -> Iterator[ProviderRecord]:
    with open_entries(paths, suffixes=_spreadsheet_suffixes(format)) as entries:
        if not entries:
            raise ImportFileError(
                _("Aucun fichier %(format)s trouvé.") % {"format": format.upper()}
            )
        for entry in entries:
            with open_table(entry, format=format, delimiter=options.get("delimiter")) as table:
                mapping = options.get("mapping") or suggest_mapping(table.headers, unique=False)
                mapping = _check_mapping(mapping, table.headers, entry.name)
                suffix = _(" (fichier %(file)s)") % {"file": entry.name} if len(entries) > 1 else ""
                yield from records_from_table(table, mapping=mapping, locator_suffix=suffix)


def _records(format: str, paths: list[Path], office, options: dict) -> Iterator[ProviderRecord]:
    if format in SPREADSHEET_FORMATS:
        yield from _spreadsheet_records(format, paths, options)
    elif format == "datatourisme":
        yield from datatourisme.iter_records(paths)
    elif format == "apidae":
        yield from apidae.iter_records(paths)
    elif format == "tourinsoft":
        mapping = tourinsoft.merged_mapping(
            getattr(office, "tourinsoft_mapping", None), options.get("mapping")
        )
        yield from tourinsoft.iter_records(paths, mapping=mapping)
    else:
        raise ImportFileError(_("Format d'import inconnu : « %(format)s ».") % {"format": format})


def max_records() -> int:
    """How many records one import may hold: what the import budget was measured for."""
    return settings.BALISE_IMPORT_MAX_RECORDS


def iter_records(
    *, format: str, paths: list[Path], office, options: dict | None = None
) -> Iterator[ProviderRecord]:
    """Like :func:`read_records`, one record at a time (for progress bars).

    Raises ImportFileError past :func:`max_records` records: the import is refused
    whole rather than cut.
    """
    limit = max_records()
    paths = [Path(p) for p in paths]
    for count, record in enumerate(_records(format, paths, office, options or {}), 1):
        if count > limit:
            raise ImportFileError(
                _(
                    "Le fichier compte plus de %(max)s fiches, le maximum d'un import : "
                    "découpez-le en plusieurs fichiers."
                )
                % {"max": intcomma(limit)}
            )
        yield record


def read_records(
    *, format: str, paths: list[Path], office, options: dict | None = None
) -> list[ProviderRecord]:
    """Every provider record in ``paths`` (files, folders, zips), cleaned, not matched.

    ``options``: for csv/xlsx ``{"mapping": {title: field or ""}, "delimiter": ";"}``
    (without a mapping, the suggested one is used); for tourinsoft ``{"mapping": {...}}``
    overrides ``office.tourinsoft_mapping``, itself merged over the default mapping.
    No side effects. Raises ImportFileError (French message) for an unreadable file.
    """
    return list(iter_records(format=format, paths=paths, office=office, options=options))


# -- Planning --------------------------------------------------------------------------


@dataclass
class PlannedRow:
    """What the import will do with one record."""

    action: str  # one of ACTIONS
    record: ProviderRecord
    provider: Provider | None = None
    # field → (old, new), for display ("source_id" when a SIT id gets linked)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # For display: the record's warnings, then what the plan found (errors included).
    messages: list[str] = field(default_factory=list)
    # Errors found by the plan (duplicates...), beside the record's own errors.
    errors: list[str] = field(default_factory=list)
    # What apply_import writes (not for display).
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    commune_code: str = ""
    add_labels: list[str] = field(default_factory=list)
    add_tags: list[str] = field(default_factory=list)
    link_source_id: bool = False

    def fail(self, message: str) -> None:
        self.action = "error"
        self.errors.append(message)
        self.messages.append(message)


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    counts: dict[str, int]

    @property
    def has_errors(self) -> bool:
        return self.counts.get("error", 0) > 0

    @property
    def valid_count(self) -> int:
        """Records that can be imported (whatever the import then does with them)."""
        return len(self.rows) - self.counts.get("error", 0)

    def error_messages(self, limit: int | None = None) -> list[str]:
        """Errors as "ligne 12 : adresse e-mail invalide « jean@ »"."""
        messages = [
            row.record.located(message)
            for row in self.rows
            if row.action == "error"
            for message in [*row.record.errors, *row.errors]
        ]
        return messages[:limit] if limit else messages

    def summary(self) -> dict[str, Any]:
        """JSON-friendly counts and first errors, for ImportBatch.summary."""
        return {**self.counts, "errors": self.error_messages(limit=50)}


def _display(value: Any) -> Any:
    """A value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return ", ".join(f"{key} : {url}" for key, url in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _creation_key(record: ProviderRecord) -> tuple[str, ...]:
    fields = record.fields
    name_key = normalize_name(record.name)
    if fields.get("insee_code"):
        return (name_key, "insee", fields["insee_code"])
    if fields.get("city"):
        return (name_key, "city", commune_key(fields["city"]))
    return (name_key, "cp", fields.get("postal_code", ""))


def _record_values(record: ProviderRecord) -> dict[str, Any]:
    """The record's fields, minus what a SIT import must not set."""
    sit = record.source != Source.SPREADSHEET
    return {k: v for k, v in record.fields.items() if not (sit and k in HAND_KEPT_FIELDS)}


def _plan_create(row: PlannedRow, directory: Directory) -> None:
    values = _record_values(row.record)
    row.action = "create"
    row.values = {k: v for k, v in values.items() if k in IMPORTED_COLUMNS or k == "social_links"}
    row.commune_code = values.get("insee_code", "")
    row.add_labels = directory.canonical(values.get("labels", []), directory.label_names)
    row.add_tags = directory.canonical(values.get("tags", []), directory.tag_names)
    row.link_source_id = bool(row.record.external_id)


def _plan_update(row: PlannedRow, provider: Provider, directory: Directory, how: str) -> None:
    row.provider = provider
    values = _record_values(row.record)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, new in values.items():
        if name == "insee_code":
            old = directory.insee_of(provider)
            if old != new:
                row.commune_code = new
                changes[name] = (old, new)
        elif name in ("labels", "tags"):
            known = directory.label_names if name == "labels" else directory.tag_names
            current = (directory.labels if name == "labels" else directory.tags).get(
                provider.pk, []
            )
            current_keys = {normalize_name(n) for n in current}
            added = [
                n for n in directory.canonical(new, known) if normalize_name(n) not in current_keys
            ]
            if added:
                setattr(row, "add_" + name, added)
                changes[name] = (_display(current), _display([*current, *added]))
        elif name == "social_links":
            old = provider.social_links or {}
            merged = {**old, **new}
            if merged != old:
                row.values[name] = merged
                changes[name] = (_display(old), _display(merged))
        elif name == "notes":
            old = provider.notes or ""
            if normalize_name(new) not in normalize_name(old):
                row.values[name] = f"{old}\n{new}" if old else new
                changes[name] = (old, row.values[name])
        elif name in IMPORTED_COLUMNS:
            old = getattr(provider, name)
            if name == "category" and new == Category.OTHER and old != Category.OTHER:
                continue  # "autre" from the file says less than what the office chose
            if old != new:
                row.values[name] = new
                changes[name] = (_display(old), _display(new))
    record = row.record
    if record.external_id and record.external_id not in directory.source_ids.get(
        provider.pk, {}
    ).get(record.source, set()):
        row.link_source_id = True
        changes["source_id"] = ("", f"{Source(record.source).label} {record.external_id}")
    row.changes = changes
    row.action = "update" if changes else "unchanged"
    if how == "nom" and changes:
        row.messages.append(
            _("rapproché par le nom et la commune de la fiche « %(name)s »")
            % {"name": provider.name}
        )
    if provider.archived_at and changes:
        row.messages.append(_("fiche archivée : mise à jour sans la restaurer"))


def plan_import(
    *, office, records: list[ProviderRecord], new_status: str | None = None
) -> ImportPlan:
    """Match each record with this office's providers and say what importing would do.

    ``new_status`` is the membership status of the providers the import creates when
    the file does not say (a regional feed lists members and non-members alike).

    Communes: each record's INSEE code, commune name and postal code are resolved first
    (``communes.CommuneResolver``: the office's communes, then the national reference);
    the record then carries the INSEE code found, and a warning when the commune is
    unknown, ambiguous or now part of another one. No commune is ever made up.

    Matching: first the (source, SIT id) through ProviderSourceId, then
    normalize_name(name) in the same commune (INSEE code; the city name when the file
    has no INSEE code; the postal code when it has neither). A provider already linked
    to another id of the same SIT is another object and is not matched by name.

    Duplicates inside the file:
    - the same SIT id twice: skipped when both records are identical, else an error;
    - two records landing on the same existing provider: an error on the second one
      ("même prestataire que la ligne 5"), since the file does not say which is right;
    - two new records with the same name in the same commune: an error on the second,
      unless both carry different SIT ids (two real objects with the same name).

    Re-import: an empty value never erases (records carry only non-empty values);
    labels and tags are added, never removed; notes are appended when new; social links
    are merged; a file category "autre" never replaces a real one; SIT imports never set
    notes, tags, membership or marketing consent (HAND_KEPT_FIELDS).

    Efficient: a handful of queries whatever the number of records. No side effects.
    """
    directory = Directory(office)
    communes = CommuneResolver(
        own=directory.communes(),
        insee_codes={r.fields["insee_code"] for r in records if r.fields.get("insee_code")},
    )
    rows: list[PlannedRow] = []
    seen_ids: dict[tuple[str, str], PlannedRow] = {}
    claimed: dict[int, PlannedRow] = {}
    new_keys: dict[tuple[str, ...], PlannedRow] = {}
    for record in records:
        if not (record.errors or record.skip_reason):
            communes.apply(record)
        row = PlannedRow(action="error", record=record, messages=list(record.warnings))
        rows.append(row)
        if record.errors:
            continue
        if record.skip_reason:
            row.action = "skip"
            provider_id = directory.by_source.get((record.source, record.external_id))
            if record.external_id and provider_id in directory.providers:
                row.provider = directory.providers[provider_id]
                row.messages.append(
                    _(
                        "la fiche « %(name)s » est laissée telle quelle "
                        "(à archiver à la main si besoin)"
                    )
                    % {"name": row.provider.name}
                )
            continue
        id_key = (record.source, record.external_id) if record.external_id else None
        if id_key and id_key in seen_ids:
            first = seen_ids[id_key]
            if first.record.fields == record.fields:
                row.action = "skip"
                row.messages.append(
                    _("en double dans le fichier (déjà lu : %(where)s)")
                    % {"where": first.record.locator}
                )
            else:
                row.fail(
                    _("identifiant « %(id)s » déjà présent (%(where)s) avec d'autres valeurs")
                    % {"id": record.external_id, "where": first.record.locator}
                )
            continue
        provider, how = directory.match(record, claimed)
        if how == "ambigu":
            row.fail(
                _(
                    "plusieurs fiches s'appellent « %(name)s » : "
                    "ajoutez la commune pour les distinguer"
                )
                % {"name": record.name}
            )
            continue
        if provider is not None and provider.pk in claimed:
            row.fail(
                _("même prestataire que %(where)s (« %(name)s ») : gardez une seule ligne")
                % {"where": claimed[provider.pk].record.locator, "name": provider.name}
            )
            continue
        if provider is None:
            key = _creation_key(record)
            twin = new_keys.get(key)
            if twin and not (record.external_id and twin.record.external_id):
                row.fail(
                    _("doublon de %(where)s : même nom, même commune")
                    % {"where": twin.record.locator}
                )
                continue
            new_keys.setdefault(key, row)
            _plan_create(row, directory)
            if new_status:
                row.values.setdefault("membership_status", new_status)
        else:
            claimed[provider.pk] = row
            _plan_update(row, provider, directory, how)
        if id_key:
            seen_ids[id_key] = row
    counts = dict.fromkeys(ACTIONS, 0)
    for row in rows:
        counts[row.action] += 1
    return ImportPlan(rows=rows, counts=counts)


# -- Applying --------------------------------------------------------------------------


def _ensure_communes(rows: list[PlannedRow]) -> dict[str, Commune]:
    """Communes by INSEE code; those not stored yet are created from the national reference
    (plan_import only keeps codes that Balise or the reference knows)."""
    wanted: dict[str, str] = {}
    for row in rows:
        if row.commune_code:
            wanted.setdefault(row.commune_code, row.record.fields.get("postal_code", ""))
    communes: dict[str, Commune] = {}
    codes = sorted(wanted)
    for chunk in chunks(codes):
        communes.update({c.insee_code: c for c in Commune.objects.filter(insee_code__in=chunk)})
    missing = [
        commune
        for code in codes
        if code not in communes
        and (commune := new_commune(code, postal_code=wanted[code])) is not None
    ]
    if missing:
        Commune.objects.bulk_create(missing, batch_size=_BATCH_SIZE, ignore_conflicts=True)
        for chunk in chunks([c.insee_code for c in missing]):
            communes.update({c.insee_code: c for c in Commune.objects.filter(insee_code__in=chunk)})
    return communes


def _ensure_named(model, names: Iterable[str], **scope) -> dict[str, Any]:
    """Labels (or an office's tags) by normalised name, created when missing."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(normalize_name(name), name)
    if not wanted:
        return {}
    existing = {normalize_name(obj.name): obj for obj in model.objects.filter(**scope)}
    missing = [model(name=name, **scope) for key, name in wanted.items() if key not in existing]
    if missing:
        model.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {normalize_name(obj.name): obj for obj in model.objects.filter(**scope)}
    return existing


@transaction.atomic
def apply_import(
    *,
    office,
    plan: ImportPlan,
    user=None,
    batch: ImportBatch | None = None,
    skip_invalid: bool = False,
) -> dict[str, int]:
    """Carry the plan out, all or nothing, and return its counts.

    With ``skip_invalid``, the records in error are left out (they are counted under
    "error") and the valid ones are written; else any error refuses the whole plan.
    Either way, what is written is written in one transaction.

    Side effects, in one transaction:
    - raises ImportRejected and writes nothing when the plan has errors (without
      ``skip_invalid``), or when it has no valid record at all (with it);
    - creates the missing Communes (by INSEE code; official name from the national reference),
      Labels (by name) and this office's Tags;
    - creates the new Providers (bulk_create) and their ProviderSourceId rows;
    - updates the changed Providers (bulk_update, only the changed columns), links new
      SIT ids, adds labels and tags (never removes any);
    - dates the marketing consent given or withdrawn by a spreadsheet import;
    - marks ``batch`` applied with the counts as summary, when given.
    ``user`` is recorded as the batch's author when the batch has none.
    """
    if plan.has_errors and not skip_invalid:
        raise ImportRejected(
            _("Import refusé : %(count)s erreur(s) dans le fichier, rien n'a été enregistré.")
            % {"count": plan.counts["error"]}
        )
    if plan.has_errors and not plan.valid_count:
        raise ImportRejected(
            _("Import refusé : aucune fiche valide dans le fichier, rien n'a été enregistré.")
        )
    now = timezone.now()
    active = [row for row in plan.rows if row.action in ("create", "update")]
    communes = _ensure_communes(active)
    labels = _ensure_named(Label, (n for row in active for n in row.add_labels))
    tags = _ensure_named(Tag, (n for row in active for n in row.add_tags), office=office)
    consent_source = (
        _("Import du fichier « %(name)s »") % {"name": batch.filename}
        if batch
        else _("Import de fichier")
    )

    created: list[Provider] = []
    updates: dict[frozenset[str], list[Provider]] = defaultdict(list)
    for row in active:
        if row.action == "create":
            provider = Provider(office=office, **row.values)
            if row.commune_code:
                provider.commune = communes.get(row.commune_code)
            provider.refresh_derived()
            if provider.marketing_consent:
                provider.marketing_consent_at = now
                provider.marketing_consent_source = consent_source
            row.provider = provider
            created.append(provider)
            continue
        provider = row.provider
        changed = set(row.values)
        for name, value in row.values.items():
            setattr(provider, name, value)
        if row.commune_code and row.commune_code in communes:
            provider.commune = communes[row.commune_code]
            changed.add("commune")
        if changed & SEARCHED_FIELDS:
            changed.update(provider.refresh_derived())
        if "marketing_consent" in changed:
            provider.marketing_consent_at = now if provider.marketing_consent else None
            provider.marketing_consent_source = consent_source if provider.marketing_consent else ""
            changed |= {"marketing_consent_at", "marketing_consent_source"}
        provider.updated_at = now
        changed.add("updated_at")
        updates[frozenset(changed)].append(provider)

    Provider.objects.bulk_create(created, batch_size=_BATCH_SIZE)
    for fields, providers in updates.items():
        Provider.objects.bulk_update(providers, sorted(fields), batch_size=_BATCH_SIZE)

    source_ids = [
        ProviderSourceId(
            office=office,
            provider=row.provider,
            source=row.record.source,
            external_id=row.record.external_id,
        )
        for row in active
        if row.link_source_id
    ]
    ProviderSourceId.objects.bulk_create(source_ids, batch_size=_BATCH_SIZE)
    label_links = [
        Provider.labels.through(provider_id=row.provider.pk, label_id=labels[normalize_name(n)].pk)
        for row in active
        for n in row.add_labels
    ]
    Provider.labels.through.objects.bulk_create(
        label_links, batch_size=_BATCH_SIZE, ignore_conflicts=True
    )
    tag_links = [
        Provider.tags.through(provider_id=row.provider.pk, tag_id=tags[normalize_name(n)].pk)
        for row in active
        for n in row.add_tags
    ]
    Provider.tags.through.objects.bulk_create(
        tag_links, batch_size=_BATCH_SIZE, ignore_conflicts=True
    )

    providers_imported.send(
        sender=Provider,
        office=office,
        provider_ids=[row.provider.pk for row in active],
        source=consent_source,
    )
    counts = {action: plan.counts.get(action, 0) for action in ACTIONS}
    if batch is not None:
        batch.status = ImportBatch.Status.APPLIED
        batch.summary = {
            **plan.summary(),
            "warnings": sum(len(r.record.warnings) for r in plan.rows),
        }
        batch.applied_at = now
        update_fields = ["status", "summary", "applied_at"]
        if user is not None and batch.created_by_id is None:
            batch.created_by = user
            update_fields.append("created_by")
        batch.save(update_fields=update_fields)
    return counts
