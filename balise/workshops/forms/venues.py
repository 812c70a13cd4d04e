"""Staff forms of the rooms and of the candidate slots the programme is planned in. A
slot's room is chosen among the office's own rooms."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.lib.forms import DateTimeInput
from balise.offices.models import Office
from balise.workshops.models import CandidateSlot, Venue


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
