import json

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import https_by_default

from .models import Membership, Office, Role, User

# Tourinsoft mapping keys whose value is a {feed value: code} object, not a field name.
DICT_KEYS = {"category_values", "communication_types"}


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
            'Facultatif. Ex. : {"address_complete": "AdresseComplete", "communication": '
            '"MoyenDeCom", "category_values": {"Gîtes et meublés": "meuble"}}. '
            "Voir le guide d'utilisation."
        ),
    )

    class Meta:
        model = Office
        formfield_callback = https_by_default
        fields = ["name", "territory", "email", "phone", "website", "address", "require_admin_2fa"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        mapping = self.instance.tourinsoft_mapping
        self.initial["tourinsoft_mapping"] = (
            json.dumps(mapping, ensure_ascii=False, indent=2) if mapping else ""
        )

    def clean_tourinsoft_mapping(self):
        from balise.members.importers.tourinsoft import MAPPING_KEYS

        raw = self.cleaned_data["tourinsoft_mapping"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(
                _("JSON invalide : %(error)s"), params={"error": error}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Attendu : un objet JSON {clé : champ Tourinsoft}."))
        unknown = sorted(set(value) - MAPPING_KEYS)
        if unknown:
            raise forms.ValidationError(
                _("Clé(s) inconnue(s) : %(keys)s. Clés possibles : %(known)s."),
                params={"keys": ", ".join(unknown), "known": ", ".join(sorted(MAPPING_KEYS))},
            )
        for key, item in value.items():
            expected = dict if key in DICT_KEYS else (str, list)
            if not isinstance(item, expected) or (
                isinstance(item, list) and not all(isinstance(name, str) for name in item)
            ):
                raise forms.ValidationError(
                    _("« %(key)s » attend %(what)s."),
                    params={
                        "key": key,
                        "what": _("un objet {valeur : code}")
                        if key in DICT_KEYS
                        else _("un nom de champ ou une liste de noms"),
                    },
                )
        return value

    def clean_require_admin_2fa(self):
        from . import twofactor

        required = self.cleaned_data["require_admin_2fa"]
        # The admin who turns the rule on shows it works for them first.
        if required and self.user is not None and not twofactor.has_device(self.user):
            raise forms.ValidationError(
                _(
                    "Activez d'abord la double authentification sur votre propre compte "
                    "(Mon compte), puis revenez ici."
                )
            )
        return required

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


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, also for invited staff who have not chosen a password yet.

    Django skips accounts with an unusable password; here every staff account uses a
    password, and an invitation whose link expired is renewed through this very form.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email.strip(), is_active=True)


class OneTimeCodeForm(forms.Form):
    """A 6-digit code from the authenticator app (or, where allowed, a recovery code)."""

    code = forms.CharField(
        label=_("Code à usage unique"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, check=None, allow_recovery: bool = False, **kwargs):
        """``check(code)`` returns a truthy value for an accepted code."""
        super().__init__(*args, **kwargs)
        self.check = check
        self.result = None
        if allow_recovery:
            self.fields["code"].help_text = _(
                "Les 6 chiffres affichés par votre application, ou un code de secours "
                "(ex. : abcde-fghij)."
            )
            self.fields["code"].widget.attrs.pop("inputmode")
        else:
            self.fields["code"].help_text = _("Les 6 chiffres affichés par votre application.")

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.result = self.check(code) if self.check else None
        if not self.result:
            raise forms.ValidationError(_("Code incorrect ou déjà utilisé."))
        return code
