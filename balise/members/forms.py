import re

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.validators import URLValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import https_by_default

from .communes import is_known_code
from .fields import BY_NAME, EDITED_FIELDS, Group, Kind, ProviderField
from .models import SOCIAL_NETWORKS, MembershipStatus, Provider

INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def split_names(value: str) -> list[str]:
    """ "Qualité Tourisme, Accueil Vélo; Clef Verte" → three names, de-duplicated."""
    names = [part.strip() for part in re.split(r"[,;\n]", value or "")]
    return list(dict.fromkeys(name for name in names if name))


class ProviderForm(forms.ModelForm):
    """Create or edit a provider. Commune by INSEE code; labels and tags as free text."""

    insee_code = forms.CharField(
        label=BY_NAME["insee_code"].label,
        required=False,
        max_length=5,
        help_text=_("5 caractères, ex. : 30189. Différent du code postal."),
    )
    labels_text = forms.CharField(
        label=BY_NAME["labels"].label,
        required=False,
        help_text=_("Séparés par des virgules, ex. : Qualité Tourisme, Accueil Vélo"),
    )
    tags_text = forms.CharField(
        label=BY_NAME["tags"].label, required=False, help_text=_("Séparées par des virgules.")
    )

    class Meta:
        model = Provider
        formfield_callback = https_by_default
        fields = [f.name for f in EDITED_FIELDS if f.kind is Kind.COLUMN]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in EDITED_FIELDS:
            if field.kind is Kind.SOCIAL:
                self.fields[self.form_name(field)] = forms.URLField(
                    label=field.label, required=False, max_length=500, assume_scheme="https"
                )
        self.fields["website"].widget.attrs["inputmode"] = "url"
        if self.instance.pk:
            self.initial["insee_code"] = (
                self.instance.commune.insee_code if self.instance.commune else ""
            )
            self.initial["labels_text"] = ", ".join(
                label.name for label in self.instance.labels.all()
            )
            self.initial["tags_text"] = ", ".join(tag.name for tag in self.instance.tags.all())
            for network, url in (self.instance.social_links or {}).items():
                self.initial[f"social_{network}"] = url

    @staticmethod
    def form_name(field: ProviderField) -> str:
        """Labels and tags are typed as text, social links one box per network."""
        if field.kind is Kind.NAMES:
            return f"{field.name}_text"
        if field.kind is Kind.SOCIAL:
            return f"social_{field.name}"
        return field.name

    @property
    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(legend, bound fields) for each group of the provider's fields, in order."""
        groups: dict[Group, list[forms.BoundField]] = {}
        for field in EDITED_FIELDS:
            groups.setdefault(field.group, []).append(self[self.form_name(field)])
        return [(group.label, groups[group]) for group in Group if group in groups]

    def clean_insee_code(self):
        code = self.cleaned_data["insee_code"].strip().upper()
        if code and not INSEE_RE.match(code):
            raise forms.ValidationError(
                _("Un code INSEE compte 5 caractères, ex. : 30189 ou 2A004.")
            )
        if code and not is_known_code(code):
            raise forms.ValidationError(
                _("Aucune commune n'a le code INSEE %(code)s."), params={"code": code}
            )
        return code

    def clean_website(self):
        url = self.cleaned_data["website"].strip()
        if url:
            URLValidator(schemes=["http", "https"])(url)
        return url

    def clean(self):
        cleaned = super().clean()
        self.instance.social_links = {
            network: cleaned[f"social_{network}"]
            for network in SOCIAL_NETWORKS
            if cleaned.get(f"social_{network}")
        }
        return cleaned

    @property
    def labels(self) -> list[str]:
        return split_names(self.cleaned_data.get("labels_text", ""))

    @property
    def tags(self) -> list[str]:
        return split_names(self.cleaned_data.get("tags_text", ""))


class ImportStartForm(forms.Form):
    format = forms.ChoiceField(label=_("Format du fichier"))
    new_status = forms.ChoiceField(
        label=_("Adhésion des nouvelles fiches"),
        choices=MembershipStatus.choices,
        initial=MembershipStatus.MEMBER,
        help_text=_(
            "Pour les prestataires créés par cet import quand le fichier ne le dit pas : "
            "un flux régional liste aussi les non-adhérents."
        ),
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("CSV, XLSX, JSON ou ZIP (export Apidae, lot de fichiers DATAtourisme)."),
    )

    def __init__(self, *args, formats, max_bytes: int, max_records: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = list(formats.items())
        self.max_bytes = max_bytes
        self.fields["file"].help_text = format_lazy(
            "{} {}",
            self.fields["file"].help_text,
            _("%(size)s Mo et %(records)s fiches au plus.")
            % {"size": max_bytes // 2**20, "records": intcomma(max_records)},
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("Fichier trop gros (%(size)s Mo au plus)."),
                params={"size": self.max_bytes // 2**20},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Le fichier est vide."))
        return upload


class ColumnMappingForm(forms.Form):
    """One select per spreadsheet column: which directory field it fills (or none)."""

    def __init__(self, *args, headers: list[str], choices, suggested: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("(colonne sans titre)"),
                required=False,
                choices=[("", _("— ne pas importer —")), *list(choices)],
                initial=suggested.get(header, ""),
            )

    def clean(self):
        cleaned = super().clean()
        chosen = [value for value in cleaned.values() if value]
        duplicates = {value for value in chosen if chosen.count(value) > 1}
        if duplicates:
            raise forms.ValidationError(_("Chaque champ ne peut venir que d'une seule colonne."))
        if "name" not in chosen:
            raise forms.ValidationError(
                _("Indiquez la colonne qui contient le nom du prestataire.")
            )
        return cleaned

    @property
    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{i}", "") for i, header in enumerate(self.headers)
        }
