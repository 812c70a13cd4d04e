"""The animator's form to open individual appointment slots."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import DateInput, TimeInput

from .moments import aware


class AppointmentSlotForm(forms.Form):
    """One slot, or several in a row ("série") of the same length."""

    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Début"), widget=TimeInput())
    end = forms.TimeField(label=_("Fin du premier créneau"), widget=TimeInput())
    count = forms.IntegerField(
        label=_("Nombre de créneaux à la suite"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("Par exemple 3 créneaux d'une heure à partir de 14 h."),
    )
    place = forms.CharField(label=_("Lieu"), max_length=300, required=False)
    video_url = forms.URLField(
        label=_("Lien de visioconférence"), required=False, assume_scheme="https"
    )

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            if end <= start:
                self.add_error("end", _("La fin doit suivre le début."))
            else:
                data["starts_at"] = aware(day, start)
                data["ends_at"] = aware(day, end)
                if data["starts_at"] <= timezone.now():
                    self.add_error("day", _("Choisissez un créneau à venir."))
        if not data.get("place") and not data.get("video_url"):
            self.add_error("place", _("Indiquez un lieu ou un lien de visioconférence."))
        return data
