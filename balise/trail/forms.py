from django import forms
from django.utils.translation import gettext_lazy as _

from balise.offices.models import Membership, Office

from . import services
from .models import Entry


class JournalFilterForm(forms.Form):
    """The journal's filters, read from the query string; an invalid value is ignored."""

    who = forms.ChoiceField(label=_("Qui"), required=False)
    kind = forms.ChoiceField(label=_("Type d'objet"), required=False)
    action = forms.TypedChoiceField(
        label=_("Action"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Toutes")),
            (Entry.Action.CREATE, _("création")),
            (Entry.Action.UPDATE, _("modification")),
            (Entry.Action.DELETE, _("suppression")),
        ],
    )
    start = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Objet"), required=False, max_length=100)
    object = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data=None, *, office: Office, **kwargs):
        super().__init__(data, **kwargs)
        staff = (
            Membership.objects.filter(office=office)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        self.fields["who"].choices = [
            ("", _("Tout le monde")),
            *((f"u{m.user_id}", m.user.full_name or m.user.email) for m in staff),
            ("public", _("le prestataire (lien personnel)")),
            ("system", _("système")),
        ]
        self.fields["kind"].choices = [("", _("Tous")), *services.kind_choices()]

    def values(self) -> dict:
        """Keyword arguments for :func:`services.journal`, from the valid fields only."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "who": data.get("who") or "",
            "kind": data.get("kind") or "",
            "action": data.get("action"),
            "start": data.get("start"),
            "end": data.get("end"),
            "search": (data.get("q") or "").strip(),
            "object_id": data.get("object"),
        }

    @property
    def active_count(self) -> int:
        values = self.values()
        return sum(1 for key, value in values.items() if value not in ("", None))
