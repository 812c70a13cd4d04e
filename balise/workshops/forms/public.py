"""Forms of the public workshop pages: registration, feedback, appointment booking, and
« prévenez-moi ».

Each form carries a honeypot field (``website``), hidden from people by CSS and absent
from the accessibility tree; a bot that fills it gets an answer that looks like success
and nothing is written. What people type is echoed in e-mails (to them and to the
office), so every text field is a :class:`~balise.lib.forms.PlainTextField`.
"""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from balise.lib.forms import PlainTextField
from balise.workshops.models import AppointmentSlot, Feedback, Theme


class HoneypotMixin(forms.Form):
    website = forms.CharField(
        label=_("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool(self.is_bound and self.data.get("website"))


class RegistrationForm(HoneypotMixin, forms.Form):
    name = PlainTextField(
        label=_("Votre nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_(
            "Vous y recevrez la confirmation, l'invitation d'agenda et un rappel la veille."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    business = PlainTextField(
        label=_("Votre établissement"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )


class CancelForm(forms.Form):
    """The confirmation box of a cancellation (no JavaScript confirm dialog)."""

    confirm = forms.BooleanField(label=_("Oui, je confirme l'annulation"), required=True)


RATING_CHOICES = [(n, str(n)) for n in range(1, 6)]
USEFUL_CHOICES = [("yes", _("Oui")), ("no", _("Non"))]


class FeedbackForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("Votre note, de 1 (pas du tout satisfait) à 5 (très satisfait)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    useful = forms.TypedChoiceField(
        label=_("Cette séance vous sera-t-elle utile pour votre activité ?"),
        choices=USEFUL_CHOICES,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    comment = PlainTextField(
        label=_("Un commentaire, une suggestion pour la suite ?"), multiline=True, required=False
    )

    class Meta:
        model = Feedback
        fields = ["rating", "useful", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.useful is not None:
            self.initial["useful"] = "yes" if self.instance.useful else "no"


def slot_label(slot: AppointmentSlot) -> str:
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    text = "{} · {} – {}".format(
        formats.date_format(start, "l j F Y"),
        formats.time_format(start, "H:i"),
        formats.time_format(end, "H:i"),
    )
    where = slot.place or (_("en visio") if slot.video_url else "")
    return f"{text} · {where}" if where else text


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return slot_label(obj)


class AppointmentForm(HoneypotMixin, forms.Form):
    slot = SlotChoiceField(
        label=_("Choisissez un créneau"),
        queryset=AppointmentSlot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "invalid_choice": _("Ce créneau n'est plus libre : choisissez-en un autre.")
        },
    )
    name = PlainTextField(
        label=_("Votre nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Votre adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    theme = forms.ModelChoiceField(
        label=_("Sujet"),
        queryset=Theme.objects.none(),
        required=False,
        empty_label=_("Autre sujet, ou je ne sais pas encore"),
    )
    note = PlainTextField(
        label=_("Ce que vous souhaitez aborder"),
        multiline=True,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, slots, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["theme"].queryset = themes


class AlertForm(HoneypotMixin, forms.Form):
    """« Prévenez-moi » : an address, and the consent to hear about the theme's sessions."""

    email = forms.EmailField(
        label=_("Votre adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que l'office m'écrive à cette adresse quand une séance de ce thème "
            "est programmée. Chaque e-mail contient un lien pour ne plus être prévenu(e)."
        ),
        required=True,
    )
