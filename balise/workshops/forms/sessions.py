"""Staff forms of sessions: filters, the session itself, cancelling it, registering a
provider, walk-ins on the attendance sheet, the search among providers to invite."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import DateInput, TimeInput, https_by_default
from balise.members.models import Provider
from balise.workshops.models import (
    Format,
    RegistrationStatus,
    Session,
    SessionStatus,
    Theme,
    Venue,
)
from balise.workshops.sessions import PAST, UPCOMING, default_capacity

from .moments import aware


class SessionFilterForm(forms.Form):
    periode = forms.ChoiceField(
        label=_("Période"),
        choices=[(UPCOMING, _("À venir")), (PAST, _("Passées"))],
        required=False,
    )
    theme = forms.ModelChoiceField(
        label=_("Thème"), queryset=Theme.objects.none(), required=False, empty_label=_("Tous")
    )
    status = forms.ChoiceField(
        label=_("État"), choices=[("", _("Tous")), *SessionStatus.choices], required=False
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(office=office).only("pk", "title")


class SessionForm(forms.ModelForm):
    """A session of the office's catalogue: a date, a room or a video link, a trainer and a
    capacity (by default the theme's, capped by the room's)."""

    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Début"), widget=TimeInput())
    end = forms.TimeField(label=_("Fin"), widget=TimeInput())

    class Meta:
        model = Session
        fields = ["theme", "title", "venue", "video_url", "trainer", "capacity"]
        formfield_callback = https_by_default
        help_texts = {
            "title": _("Laissez vide pour reprendre le titre du thème."),
            "capacity": _("Laissez vide : les places du thème, dans la limite de la salle."),
        }

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["theme"].queryset = Theme.objects.filter(office=office, active=True)
        if self.instance.pk:  # an inactive theme stays selectable on its own sessions
            self.fields["theme"].queryset = Theme.objects.filter(office=office)
        self.fields["venue"].queryset = Venue.objects.filter(office=office)
        self.fields["venue"].required = False
        self.fields["capacity"].required = False
        self.order_fields(
            ["theme", "title", "day", "start", "end", "venue", "video_url", "trainer", "capacity"]
        )
        if self.instance.pk and self.instance.starts_at:
            local_start = timezone.localtime(self.instance.starts_at)
            local_end = timezone.localtime(self.instance.ends_at)
            self.initial.setdefault("day", local_start.date())
            self.initial.setdefault("start", local_start.time())
            self.initial.setdefault("end", local_end.time())

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            if end <= start:
                self.add_error("end", _("La fin doit suivre le début."))
            else:
                self.instance.starts_at = aware(day, start)
                self.instance.ends_at = aware(day, end)
        theme, venue, video_url = data.get("theme"), data.get("venue"), data.get("video_url")
        if theme is not None:
            if theme.format == Format.WEBINAR:
                if not video_url:
                    self.add_error(
                        "video_url", _("Un webinaire a besoin d'un lien de visioconférence.")
                    )
            elif venue is None and not video_url:
                self.add_error(
                    "venue", _("Choisissez un lieu ou indiquez un lien de visioconférence.")
                )
            capacity = data.get("capacity")
            if not capacity:
                data["capacity"] = capacity = default_capacity(theme, venue)
            elif venue is not None and capacity > venue.capacity:
                self.add_error(
                    "capacity",
                    _("La salle « %(venue)s » ne compte que %(count)s places.")
                    % {"venue": venue.name, "count": venue.capacity},
                )
            taken = self.confirmed_count()
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _("%(count)s personnes sont déjà inscrites : gardez au moins autant de places.")
                    % {"count": taken},
                )
        return data

    def confirmed_count(self) -> int:
        if not self.instance.pk:
            return 0
        return self.instance.registrations.filter(status=RegistrationStatus.CONFIRMED).count()

    def session_fields(self) -> dict:
        """What the services need to create a session."""
        data = self.cleaned_data
        return {
            "theme": data["theme"],
            "title": data["title"],
            "starts_at": self.instance.starts_at,
            "ends_at": self.instance.ends_at,
            "venue": data["venue"],
            "video_url": data["video_url"],
            "trainer": data["trainer"],
            "capacity": data["capacity"],
        }


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=300,
        help_text=_("Envoyé aux inscrits avec l'annonce de l'annulation."),
    )


class StaffRegistrationForm(forms.Form):
    """The office registers one of its providers (the confirmation e-mail goes to them)."""

    provider = forms.ModelChoiceField(label=_("Prestataire"), queryset=Provider.objects.none())
    name = forms.CharField(
        label=_("Nom de la personne"),
        max_length=150,
        required=False,
        help_text=_("Par défaut : la personne à contacter du prestataire."),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Par défaut : l'e-mail du prestataire.")
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = (
            Provider.objects.active().filter(office=office).only("pk", "name", "email")
        )

    def clean(self):
        data = super().clean()
        provider = data.get("provider")
        if provider is not None:
            data["email"] = data.get("email") or provider.email
            data["name"] = data.get("name") or provider.contact_name or provider.name
            if not data["email"]:
                self.add_error(
                    "email", _("Ce prestataire n'a pas d'adresse e-mail : indiquez-en une.")
                )
        return data


class WalkInForm(forms.Form):
    """Someone who came without registering, recorded as present."""

    name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    provider = forms.ModelChoiceField(
        label=_("Prestataire"),
        queryset=Provider.objects.none(),
        required=False,
        empty_label=_("Aucun"),
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = (
            Provider.objects.active().filter(office=office).only("pk", "name")
        )


class InviteSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un prestataire"), required=False, max_length=100)
    besoin = forms.BooleanField(
        label=_("Seulement ceux qui en ont besoin"),
        required=False,
        help_text=_("Demandé dans le diagnostic, ou conseillé par ses résultats."),
    )
