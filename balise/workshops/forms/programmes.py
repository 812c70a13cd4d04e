"""The staff's "Proposer un programme" form. The campaign whose needs it reads is chosen
among the office's own campaigns."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.diagnostics.models import Campaign
from balise.lib.forms import DateInput
from balise.offices.models import Office
from balise.workshops.programmes import candidate_slots


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
            ("auto", gettext_lazy("La meilleure possible (optimisation, si elle est installée)")),
            ("greedy", gettext_lazy("Rapide (quelques secondes)")),
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
