"""Forms of the diagnostic pages, and the fields of a questionnaire page.

A questionnaire page is not a Django form: its questions come from the version's
definition. :func:`question_fields` turns them into plain data the templates render
(fieldset, legend, options), and :func:`posted_answers` reads them back from the POST;
:func:`balise.diagnostics.answering.save_section` validates what was posted.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.lib.forms import DateInput
from balise.members.filters import ProviderFilterForm
from balise.members.models import Category, CategoryGroup, choice_labels
from balise.offices.models import Office

from .conditions import DONT_KNOW
from .definition import Definition, Question, Section
from .models import QuestionnaireVersion
from .scoring import applicable_questions
from .versions import UPLOAD_MAX_BYTES, campaign_versions

FIELD_PREFIX = "q-"
TARGET_PREFIX = "cible"
TARGET_FIELDS = ("q", "category", "commune", "membership_status", "label", "tag", "has_website")


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version: QuestionnaireVersion) -> str:
        owner = _("partagée") if version.questionnaire.office_id is None else _("de votre office")
        return _("%(title)s — version %(number)s (%(owner)s)") % {
            "title": version.questionnaire.title,
            "number": version.number,
            "owner": owner,
        }


class CampaignEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom de la campagne"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("Début"), widget=DateInput())
    ends_on = forms.DateField(
        label=gettext_lazy("Fin"),
        widget=DateInput(),
        help_text=gettext_lazy("Les liens personnels ne fonctionnent qu'entre ces dates."),
    )
    message = forms.CharField(
        label=gettext_lazy("Message ajouté à l'invitation"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Facultatif : quelques mots de l'animateur, repris dans l'e-mail d'invitation."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("La fin doit suivre le début."))
        return data


class CampaignForm(CampaignEditForm):
    version = VersionChoiceField(
        label=gettext_lazy("Questionnaire"),
        queryset=QuestionnaireVersion.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Les versions publiées partagées et celles de votre office."),
    )
    field_order = ["name", "version", "starts_on", "ends_on", "message"]

    def __init__(self, *args, office: Office, initial_version=None, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "starts_on": timezone.localdate(),
                "ends_on": timezone.localdate() + datetime.timedelta(days=30),
                "version": initial_version,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = campaign_versions(office)


def target_form(data, *, office: Office) -> ProviderFilterForm:
    """The directory filters that choose a campaign's providers (prefixed "cible-")."""
    return ProviderFilterForm(data, office=office, prefix=TARGET_PREFIX)


def target_data(form: ProviderFilterForm) -> dict:
    """The posted filters without their prefix; the service validates them again."""
    if not form.is_bound:
        return {}
    return {
        name: form.data.get(form.add_prefix(name), "")
        for name in TARGET_FIELDS
        if form.data.get(form.add_prefix(name), "")
    }


class VersionUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier du questionnaire (YAML ou JSON)"),
        help_text=gettext_lazy("1 Mo au plus. Partez d'une version téléchargée depuis Balise."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".yaml", ".yml", ".json"}:
            raise forms.ValidationError(_("Choisissez un fichier .yaml, .yml ou .json."))
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 1 Mo."))
        try:
            self.cleaned_data["text"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Le fichier doit être encodé en UTF-8.")) from None
        return upload


# --- Questionnaire pages ----------------------------------------------------------------


def question_id(code: str) -> str:
    """The HTML id of a question's fieldset: also the anchor to jump to it."""
    return "q-" + code.replace(".", "-")


def posted_answers(post) -> dict[str, list[str]]:
    """Question code → posted values, from a questionnaire page's POST."""
    return {
        key[len(FIELD_PREFIX) :]: post.getlist(key) for key in post if key.startswith(FIELD_PREFIX)
    }


@dataclass
class Choice:
    id: str
    value: str
    label: str
    description: str = ""
    checked: bool = False


@dataclass
class QuestionField:
    """One question as the page shows it."""

    question: Question
    id: str
    name: str
    label: str
    help: str
    unit: str
    error: str
    value: str = ""  # number and text questions
    choices: list[Choice] = field(default_factory=list)
    dont_know: Choice | None = None  # number and text questions

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    @property
    def input_type(self) -> str:
        return "checkbox" if self.question.type == "multiple" else "radio"

    @property
    def required(self) -> bool:
        return self.question.required

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.id}-help")
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


def _display_value(value: Any) -> str:
    if value is None or value == DONT_KNOW:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number_format(value)
    return str(value)


def question_field(
    question: Question, answer: Any, *, error: str = "", raw: list[str] | None = None
) -> QuestionField:
    """A question with its current answer, or with what was posted when it had an error."""
    qid = question_id(question.code)
    if raw is not None:
        selected = set(raw)
    elif isinstance(answer, list):
        selected = set(answer)
    else:
        selected = {answer} if isinstance(answer, str) else set()
    item = QuestionField(
        question=question,
        id=qid,
        name=FIELD_PREFIX + question.code,
        label=str(question.label),
        help=str(question.help) if question.help else "",
        unit=str(question.unit) if question.unit else "",
        error=error,
    )
    if question.options:
        item.choices = [
            Choice(
                id=f"{qid}-{index}",
                value=option.code,
                label=str(option.label),
                description=str(option.description) if option.description else "",
                checked=option.code in selected,
            )
            for index, option in enumerate(question.options, start=1)
        ]
        if question.dont_know:
            item.choices.append(
                Choice(
                    id=f"{qid}-nsp",
                    value=DONT_KNOW,
                    label=_("Je ne sais pas"),
                    checked=DONT_KNOW in selected,
                )
            )
    else:
        if raw is not None:
            item.value = next((v for v in raw if v != DONT_KNOW), "")
        else:
            item.value = _display_value(answer)
        if question.dont_know:
            item.dont_know = Choice(
                id=f"{qid}-nsp",
                value=DONT_KNOW,
                label=_("Je ne sais pas"),
                checked=DONT_KNOW in selected,
            )
    return item


def question_fields(
    definition: Definition,
    section: Section,
    answers: dict,
    *,
    category: str,
    errors: dict[str, str] | None = None,
    raw: dict[str, list[str]] | None = None,
) -> list[QuestionField]:
    """The page of ``section``: its questions that apply given the answers so far."""
    errors, raw = errors or {}, raw or {}
    return [
        question_field(
            question,
            answers.get(question.code),
            error=errors.get(question.code, ""),
            raw=raw.get(question.code),
        )
        for question in applicable_questions(
            definition, answers, category=category, section=section
        )
    ]


# --- Conditions, in words (the printable version page) --------------------------------


def _option_labels(definition: Definition, code: str, values: list) -> str:
    question = definition.question(code)
    labels = []
    for value in values:
        option = question.option(value) if question else None
        label = _("je ne sais pas") if value == DONT_KNOW else (option.label if option else value)
        labels.append(f"« {label} »")
    return _(" ou ").join(labels)


def describe_condition(condition: dict | None, definition: Definition) -> str:
    """A condition of the questionnaire in French words, e.g. "web.site = « Oui »"."""
    if not condition:
        return ""
    if "all" in condition or "any" in condition:
        joiner = _(" et ") if "all" in condition else _(" ou ")
        parts = condition.get("all") or condition.get("any")
        return joiner.join(
            f"({describe_condition(part, definition)})"
            if "all" in part or "any" in part
            else describe_condition(part, definition)
            for part in parts
        )
    if "not" in condition:
        return _("non (%(condition)s)") % {
            "condition": describe_condition(condition["not"], definition)
        }
    if "answered" in condition:
        return _("%(question)s a une réponse") % {"question": condition["answered"]}
    if "answer" in condition:
        code = condition["answer"]
        if "in" in condition:
            return f"{code} = {_option_labels(definition, code, condition['in'])}"
        if "includes" in condition:
            return _("%(question)s comprend %(options)s") % {
                "question": code,
                "options": _option_labels(definition, code, condition["includes"]),
            }
        if "at_least" in condition:
            return f"{code} ≥ {formats.number_format(condition['at_least'])}"
        return f"{code} < {formats.number_format(condition['below'])}"
    if "category" in condition:
        labels = choice_labels(Category)
        return _("catégorie : %(values)s") % {
            "values": ", ".join(labels.get(v, v) for v in condition["category"])
        }
    if "category_group" in condition:
        labels = choice_labels(CategoryGroup)
        return _("famille : %(values)s") % {
            "values": ", ".join(labels.get(v, v) for v in condition["category_group"])
        }
    if "axis" in condition:
        axis = definition.axis(condition["axis"])
        title = axis.title if axis else condition["axis"]
        if "below" in condition:
            return _("score « %(axis)s » < %(value)s") % {
                "axis": title,
                "value": formats.number_format(condition["below"]),
            }
        return _("score « %(axis)s » ≥ %(value)s") % {
            "axis": title,
            "value": formats.number_format(condition["at_least"]),
        }
    return str(condition)
