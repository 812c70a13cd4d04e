from django import forms
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import https_by_default

from .models import PrivacySettings


class PrivacySettingsForm(forms.ModelForm):
    class Meta:
        model = PrivacySettings
        formfield_callback = https_by_default
        fields = [
            "dpo_name",
            "dpo_email",
            "import_file_days",
            "invitation_days",
            "registration_years",
            "archived_provider_years",
            "staff_inactive_years",
            "journal_days",
        ]


class EraseConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme l'effacement : ces données personnelles seront remplacées "
            "définitivement, sans retour possible."
        ),
        required=True,
    )


class PersonForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de la personne"))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PersonEraseForm(PersonForm):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme l'anonymisation des inscriptions et rendez-vous de cette adresse "
            "(sans fiche prestataire)."
        ),
        required=True,
    )
