import json

from django import forms
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import https_by_default

from .models import Membership, Office, Role, User


class StaffAddForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    full_name = forms.CharField(label=_("Nom complet"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.ANIMATOR)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class StaffRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class OfficeSettingsForm(forms.ModelForm):
    tourinsoft_mapping = forms.CharField(
        label=_("Correspondance des champs Tourinsoft (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            'Facultatif. Ex. : {"address": "AdresseComplete", "contacts": "MoyenDeCom"}. '
            "Voir le guide d'utilisation."
        ),
    )

    class Meta:
        model = Office
        formfield_callback = https_by_default
        fields = ["name", "territory", "email", "phone", "website", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mapping = self.instance.tourinsoft_mapping
        self.initial["tourinsoft_mapping"] = (
            json.dumps(mapping, ensure_ascii=False, indent=2) if mapping else ""
        )

    def clean_tourinsoft_mapping(self):
        raw = self.cleaned_data["tourinsoft_mapping"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(
                _("JSON invalide : %(error)s"), params={"error": error}
            ) from None
        if not isinstance(value, dict) or not all(
            isinstance(key, str) and isinstance(item, str | list) for key, item in value.items()
        ):
            raise forms.ValidationError(
                _("Attendu : un objet dont chaque valeur est un nom de champ Tourinsoft.")
            )
        return value

    def save(self, commit=True):
        self.instance.tourinsoft_mapping = self.cleaned_data["tourinsoft_mapping"]
        return super().save(commit)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name"]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("À quoi il sert, ex. : « synchronisation site de l'office »."),
    )
