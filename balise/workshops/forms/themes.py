"""Staff forms of the theme catalogue and of the workshops' settings. The prerequisite is
chosen among the office's own themes, so another office's id is an invalid choice."""

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.members.models import CategoryGroup
from balise.offices.models import Office
from balise.workshops.catalogue import axis_choices, question_choices
from balise.workshops.models import Theme, WorkshopSettings


def _month_choices() -> list[tuple[int, str]]:
    return [(number, name) for number, name in MONTHS.items()]


class ThemeForm(forms.ModelForm):
    question_codes = forms.MultipleChoiceField(
        label=gettext_lazy("Questions du diagnostic concernées"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=question_choices,
    )
    axes = forms.MultipleChoiceField(
        label=gettext_lazy("Axes du diagnostic concernés"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=axis_choices,
    )

    class Meta:
        model = Theme
        fields = [
            "code",
            "title",
            "description",
            "level",
            "format",
            "duration_minutes",
            "default_capacity",
            "prerequisite",
            "active",
            "question_codes",
            "axes",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "code": gettext_lazy(
                "Lettres minuscules, chiffres et tirets bas ; le code d'un sujet de la "
                "question « Sur quels sujets aimeriez-vous un atelier ? » relie le thème aux "
                "besoins exprimés."
            ),
            "active": gettext_lazy("Décochez pour ne plus proposer ce thème dans les programmes."),
        }

    def __init__(self, *args, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        others = Theme.objects.filter(office=office).order_by("title")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            # The code links the theme to answers and past sessions: fixed once created.
            del self.fields["code"]
        self.fields["prerequisite"].queryset = others
        self.fields["duration_minutes"].min_value = 15
        self.fields["duration_minutes"].widget.attrs["min"] = 15
        self.fields["default_capacity"].widget.attrs["min"] = 1

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Theme.objects.filter(office=self.office, code=code).exists():
            raise forms.ValidationError(_("Un thème de votre catalogue a déjà ce code."))
        return code

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 15 <= minutes <= 8 * 60:
            raise forms.ValidationError(_("Une séance dure entre 15 minutes et 8 heures."))
        return minutes

    def clean_default_capacity(self):
        capacity = self.cleaned_data["default_capacity"]
        if capacity < 1:
            raise forms.ValidationError(_("Il faut au moins une place."))
        return capacity

    def clean(self):
        data = super().clean()
        prerequisite = data.get("prerequisite")
        # A chain of prerequisites must not loop back to this theme.
        seen = set()
        while prerequisite is not None and self.instance.pk:
            if prerequisite.pk == self.instance.pk or prerequisite.pk in seen:
                self.add_error("prerequisite", _("Ce thème ne peut pas se précéder lui-même."))
                break
            seen.add(prerequisite.pk)
            prerequisite = prerequisite.prerequisite
        return data

    def save(self, commit=True):
        self.instance.office = self.office
        return super().save(commit)


class SettingsForm(forms.Form):
    """High-season months per category group (no collective session for them), and the
    signature of the invitation e-mails."""

    signature = forms.CharField(
        label=gettext_lazy("Signature des e-mails"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Ajoutée aux invitations."),
    )

    def __init__(self, *args, settings: WorkshopSettings, **kwargs):
        super().__init__(*args, **kwargs)
        high_season = settings.high_season or {}
        for group in CategoryGroup:
            self.fields[f"season_{group.value}"] = forms.TypedMultipleChoiceField(
                label=group.label,
                required=False,
                coerce=int,
                choices=_month_choices(),
                widget=forms.CheckboxSelectMultiple,
                initial=high_season.get(group.value, []),
            )
        self.fields["signature"].initial = settings.signature

    def season_fields(self):
        return [self[f"season_{group.value}"] for group in CategoryGroup]

    def high_season(self) -> dict[str, list[int]]:
        return {
            group.value: self.cleaned_data.get(f"season_{group.value}", [])
            for group in CategoryGroup
        }
