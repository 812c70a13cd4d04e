"""Questionnaire versions: the shipped questionnaire, office copies, uploads, publishing.

A published version is immutable (the model refuses changes): responses stay tied to the
exact wording and points they answered. An office adapts a questionnaire by copying a
version into a draft of its own, or by uploading a YAML or JSON document, then publishes
it.
"""

import copy
import json

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from balise.offices.models import Office, User

from . import definition as definition_module
from .definition import DefinitionError, load_default, load_definition
from .models import Questionnaire, QuestionnaireVersion, VersionStatus

DEFAULT_QUESTIONNAIRE_CODE = "diagnostic-numerique"
UPLOAD_MAX_BYTES = 1024 * 1024
# libyaml when installed: 5× faster, and it caps nesting depth, where the pure-Python
# parser takes seconds on a few thousand nested brackets.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_default_cache: dict[tuple, dict] = {}


def _default_document() -> dict:
    """The shipped questionnaire as JSON data, read again only when the file changes
    (parsing its YAML takes a good part of a second)."""
    path = definition_module.DEFAULT_PATH
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _default_cache:
        _default_cache.clear()
        _default_cache[key] = _as_json(load_default())
    return copy.deepcopy(_default_cache[key])


def _as_json(data: dict) -> dict:
    """The document as JSON would store it (YAML can hold dates, tuples...)."""
    return json.loads(json.dumps(data, default=str))


def _definition_errors(error: DefinitionError) -> ValidationError:
    return ValidationError([_("Questionnaire invalide : %s") % message for message in error.errors])


def _next_version(
    questionnaire: Questionnaire,
    *,
    definition: dict,
    status: str,
    based_on: QuestionnaireVersion | None,
    user: User | None,
    notes: str,
) -> QuestionnaireVersion:
    """A new version numbered after the questionnaire's last one (call inside a transaction)."""
    # Lock the questionnaire row: two copies made at once get distinct numbers.
    Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
    last = questionnaire.versions.order_by("-number").values_list("number", flat=True).first()
    return QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=(last or 0) + 1,
        definition=definition,
        status=status,
        published_at=timezone.now() if status == VersionStatus.PUBLISHED else None,
        based_on=based_on,
        created_by=user,
        notes=notes,
    )


def ensure_default_version() -> QuestionnaireVersion:
    """The questionnaire shipped with Balise, as a published version shared by all offices.

    Side effects: creates the shared Questionnaire (code "diagnostic-numerique") the first
    time, and a new published version whenever ``questionnaires/default.yaml`` differs from
    the latest one (compared as validated definitions, so reformatting the file changes
    nothing). Raises DefinitionError when the shipped file is invalid: that is a bug.
    """
    data = _default_document()
    definition = load_definition(data)
    with transaction.atomic():
        questionnaire, _created = Questionnaire.objects.get_or_create(
            office=None,
            code=DEFAULT_QUESTIONNAIRE_CODE,
            defaults={"title": definition.title.fr[:200]},
        )
        Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
        latest = questionnaire.versions.order_by("-number").first()
        if latest is not None and (
            latest.definition == data or latest.parsed.model_dump() == definition.model_dump()
        ):
            return latest
        if questionnaire.title != definition.title.fr[:200]:
            questionnaire.title = definition.title.fr[:200]
            questionnaire.save(update_fields=["title"])
        return _next_version(
            questionnaire,
            definition=data,
            status=VersionStatus.PUBLISHED,
            based_on=latest,
            user=None,
            notes=_("Questionnaire livré avec Balise."),
        )


def visible_versions(office: Office) -> QuerySet[QuestionnaireVersion]:
    """Versions an office may open: every version of its own, the shared published ones.

    Versions have no office key of their own (shared ones belong to nobody): views look
    ids up in this queryset, which plays the part of ``get_for_office``.
    """
    return QuestionnaireVersion.objects.filter(
        Q(questionnaire__office=office)
        | Q(questionnaire__office__isnull=True, status=VersionStatus.PUBLISHED)
    ).select_related("questionnaire", "based_on")


def campaign_versions(office: Office) -> QuerySet[QuestionnaireVersion]:
    """Versions a new campaign of ``office`` may use: published, shared or its own."""
    return (
        visible_versions(office)
        .filter(status=VersionStatus.PUBLISHED)
        .order_by("questionnaire__office", "questionnaire__title", "-number")
    )


def _office_questionnaire(office: Office, *, code: str, title: str) -> Questionnaire:
    questionnaire, _created = Questionnaire.objects.get_or_create(
        office=office, code=code, defaults={"title": title[:200]}
    )
    return questionnaire


def copy_version(
    *, version: QuestionnaireVersion, office: Office, user: User | None
) -> QuestionnaireVersion:
    """A draft copy of ``version`` that ``office`` can adapt (wording, weights, questions).

    Side effects: creates the office's Questionnaire with the same code and title the first
    time, then a draft version numbered after the office's last one, ``based_on=version``.
    Raises ValidationError when ``version`` belongs to another office or is an unpublished
    shared version.
    """
    owner = version.questionnaire.office_id
    if owner not in (None, office.pk) or (owner is None and not version.is_published):
        raise ValidationError(_("Cette version n'est pas accessible à votre office."))
    with transaction.atomic():
        questionnaire = _office_questionnaire(
            office, code=version.questionnaire.code, title=version.questionnaire.title
        )
        return _next_version(
            questionnaire,
            definition=copy.deepcopy(version.definition),
            status=VersionStatus.DRAFT,
            based_on=version,
            user=user,
            notes=_("Copie de la version %(number)s.") % {"number": version.number},
        )


def publish_version(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """Publish an office's draft: from now on it is immutable and campaigns may use it.

    Side effects: sets status and ``published_at``. Publishing again changes nothing.
    Raises ValidationError when the definition does not validate any more (it always did
    when written by Balise) or the version is a shared one.
    """
    if version.questionnaire.office_id is None:
        raise ValidationError(_("Les versions partagées sont publiées par Balise."))
    if version.is_published:
        return version
    try:
        load_definition(version.definition)
    except DefinitionError as error:
        raise _definition_errors(error) from None
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    return version


def parse_document(text: str) -> dict:
    """A YAML or JSON questionnaire document as a dict, or ValidationError in French.

    YAML aliases are refused: a few lines of anchors can expand into gigabytes once
    stored as JSON ("billion laughs"), and a questionnaire never needs them.
    """
    if len(text.encode("utf-8", errors="ignore")) > UPLOAD_MAX_BYTES:
        raise ValidationError(_("Le fichier dépasse 1 Mo."))
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise ValidationError(
                    _("Le fichier utilise des alias YAML (*nom) : écrivez chaque valeur en entier.")
                )
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader, C or Python
        if isinstance(data, dict):
            data = _as_json(data)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _(" (ligne %(line)s)") % {"line": mark.line + 1} if mark else ""
        raise ValidationError(
            _("Fichier illisible%(where)s : ni YAML ni JSON valide.") % {"where": where}
        ) from None
    except RecursionError:
        raise ValidationError(_("Le fichier est imbriqué trop profondément.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("Le document doit être un objet (clés : code, title, axes…)."))
    return data


def import_version_file(*, office: Office, user: User | None, text: str) -> QuestionnaireVersion:
    """A draft version of ``office`` from an uploaded YAML or JSON document.

    The document goes to the office's questionnaire whose code matches the document's
    ``code`` (so an adapted default lands next to the office's copies). Side effects: may
    create that Questionnaire, creates one draft version. Raises ValidationError with the
    schema's French messages, writing nothing, when the document is invalid.
    """
    data = parse_document(text)
    try:
        definition = load_definition(data)
    except DefinitionError as error:
        raise _definition_errors(error) from None
    except RecursionError:  # conditions nested thousands deep
        raise ValidationError(_("Le fichier est imbriqué trop profondément.")) from None
    code = slugify(definition.code.replace("_", "-").replace(".", "-"))[:80]
    with transaction.atomic():
        questionnaire = _office_questionnaire(office, code=code, title=definition.title.fr)
        based_on = (
            questionnaire.versions.order_by("-number").first()
            or QuestionnaireVersion.objects.filter(
                questionnaire__office__isnull=True, questionnaire__code=code
            )
            .order_by("-number")
            .first()
        )
        return _next_version(
            questionnaire,
            definition=data,
            status=VersionStatus.DRAFT,
            based_on=based_on,
            user=user,
            notes=_("Importée depuis un fichier."),
        )
