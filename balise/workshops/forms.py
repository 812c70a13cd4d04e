"""Forms of the staff workshop pages: catalogue, venues, candidate slots, settings and the
"Proposer un programme" form. Every choice of a row (venue, prerequisite, campaign) is
limited to the office's own rows, so another office's id is an invalid choice."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.diagnostics.models import Campaign
from balise.members.models import CategoryGroup
from balise.offices.models import Office

from .catalogue import axis_choices, question_choices
from .models import CandidateSlot, Theme, Venue, WorkshopSettings
from .planning import candidate_slots


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


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


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "capacity", "notes"]

    def __init__(self, *args, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.office = office
        self.fields["capacity"].widget.attrs["min"] = 1

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise forms.ValidationError(_("Il faut au moins une place."))
        return capacity


class CandidateSlotForm(forms.ModelForm):
    class Meta:
        model = CandidateSlot
        fields = ["starts_at", "ends_at", "venue", "note"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        help_texts = {
            "venue": gettext_lazy("Sans lieu, le créneau ne sert qu'aux séances à distance."),
        }

    def __init__(self, *args, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.office = office
        self.fields["venue"].queryset = Venue.objects.filter(office=office)
        self.fields["venue"].empty_label = _("À distance (sans lieu)")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at <= timezone.now():
            raise forms.ValidationError(_("Le créneau doit être à venir."))
        return starts_at

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at:
            if ends_at <= starts_at:
                self.add_error("ends_at", _("La fin doit suivre le début."))
            elif ends_at - starts_at > dt.timedelta(hours=12):
                self.add_error("ends_at", _("Un créneau dure au plus 12 heures."))
        return data


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


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, campaign: Campaign) -> str:
        return _("%(name)s (du %(start)s au %(end)s)") % {
            "name": campaign.name,
            "start": campaign.starts_on.strftime("%d/%m/%Y"),
            "end": campaign.ends_on.strftime("%d/%m/%Y"),
        }


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom du programme"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("Du"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Au"), widget=DateInput())
    campaign = CampaignChoiceField(
        label=gettext_lazy("Besoins de la campagne"),
        queryset=Campaign.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Les besoins exprimés et constatés dans ses diagnostics terminés."),
    )
    solver = forms.ChoiceField(
        label=gettext_lazy("Méthode de calcul"),
        choices=[
            ("auto", gettext_lazy("La meilleure disponible (optimisation si installée)")),
            ("greedy", gettext_lazy("Rapide (heuristique gloutonne)")),
        ],
        initial="auto",
    )

    def __init__(self, *args, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["campaign"].queryset = Campaign.objects.filter(office=office).order_by(
            "-starts_on", "-pk"
        )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", _("La fin doit suivre le début."))
            elif ends_on < timezone.localdate():
                self.add_error("ends_on", _("La période doit comprendre des jours à venir."))
            elif ends_on - starts_on > dt.timedelta(days=400):
                self.add_error("ends_on", _("Un programme couvre au plus un an."))
            elif not candidate_slots(
                office=self.office, starts_on=starts_on, ends_on=ends_on
            ).exists():
                self.add_error(
                    None,
                    _(
                        "Aucun créneau disponible à venir dans cette période : ajoutez "
                        "d'abord les créneaux où vous pouvez animer."
                    ),
                )
        return data
