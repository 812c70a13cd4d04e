"""Directory filters, shared by the list page, the exports and the API."""

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Category, Commune, Label, MembershipStatus, Provider, Tag, normalize_name


class ProviderFilterForm(forms.Form):
    """Validated filters over an office's providers; unknown or bad values are ignored."""

    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Catégorie"), required=False, choices=[("", _("Toutes")), *Category.choices]
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label=_("Toutes"),
    )
    membership_status = forms.ChoiceField(
        label=_("Adhésion"),
        required=False,
        choices=[("", _("Toutes")), *MembershipStatus.choices],
    )
    label = forms.ModelChoiceField(
        label=_("Label"), required=False, queryset=Label.objects.none(), empty_label=_("Tous")
    )
    tag = forms.ModelChoiceField(
        label=_("Étiquette"), required=False, queryset=Tag.objects.none(), empty_label=_("Toutes")
    )
    has_website = forms.NullBooleanField(
        label=_("Site web"),
        required=False,
        widget=forms.Select(
            choices=[("", _("Indifférent")), ("true", _("Avec")), ("false", _("Sans"))]
        ),
    )
    archived = forms.BooleanField(label=_("Voir les archivés"), required=False)

    def __init__(self, data=None, *, office, **kwargs):
        super().__init__(data, **kwargs)
        self.office = office
        # Semi-joins (IN subqueries) rather than DISTINCT over a join: the directory can hold
        # tens of thousands of providers and these run on every list page.
        office_providers = Provider.objects.filter(office=office)
        self.fields["commune"].queryset = Commune.objects.filter(
            pk__in=office_providers.values("commune_id")
        )
        # Few labels, many providers: one indexed EXISTS probe per label beats scanning every
        # provider-label pair of the office.
        self.fields["label"].queryset = Label.objects.filter(
            Exists(
                Provider.labels.through.objects.filter(
                    label=OuterRef("pk"), provider__office=office
                )
            )
        )
        self.fields["tag"].queryset = Tag.objects.filter(office=office)

    def filter(self, qs: QuerySet[Provider] | None = None) -> QuerySet[Provider]:
        """Apply the valid filters to ``qs`` (default: all the office's providers)."""
        if qs is None:
            qs = Provider.objects.filter(office=self.office)
        # Validate field by field: one bad value should not drop the other filters.
        data = {}
        if self.is_bound:
            # cleaned_data keeps only the valid fields: one bad value does not drop the others.
            self.is_valid()
            data = self.cleaned_data
        qs = qs.archived() if data.get("archived") else qs.active()
        if data.get("q"):
            qs = qs.search(data["q"])
        if data.get("category"):
            qs = qs.filter(category=data["category"])
        if data.get("commune"):
            qs = qs.filter(commune=data["commune"])
        if data.get("membership_status"):
            qs = qs.filter(membership_status=data["membership_status"])
        if data.get("label"):
            qs = qs.filter(labels=data["label"])
        if data.get("tag"):
            qs = qs.filter(tags=data["tag"])
        if data.get("has_website") is True:
            qs = qs.exclude(website="")
        elif data.get("has_website") is False:
            qs = qs.filter(website="")
        return qs

    def select_fields(self) -> list[dict]:
        """The drop-down filters as plain data, rendered by one template loop.

        Django's widget rendering goes through a template per option, which weighed on the
        directory page with 20,000 providers (bench/bench_directory.py).
        """
        selects = []
        for name in ("category", "commune", "membership_status", "label", "tag", "has_website"):
            bound = self[name]
            field = bound.field
            if isinstance(field, forms.ModelChoiceField):
                key = field.to_field_name or "pk"
                options = [("", field.empty_label)] + [
                    (str(getattr(obj, key)), str(obj)) for obj in field.queryset
                ]
            else:
                options = [(str(value), label) for value, label in bound.field.widget.choices]
            # html_name carries the form prefix (a campaign's target filters use one).
            current = str(self.data.get(bound.html_name, "")) if self.is_bound else ""
            selects.append(
                {
                    "name": bound.html_name,
                    "id": bound.auto_id,
                    "label": bound.label,
                    "options": [(value, label, value == current) for value, label in options],
                }
            )
        return selects

    @property
    def active_count(self) -> int:
        """How many filters narrow the list, for the "N filtres actifs" hint: exactly those
        ``filter()`` applies (a search of punctuation only finds everything; "Site web :
        Sans" is a filter although its value is False)."""
        if not self.is_bound:
            return 0
        self.is_valid()
        return sum(
            1
            for name, value in self.cleaned_data.items()
            if (
                bool(normalize_name(value))
                if name == "q"
                else value is not None
                if name == "has_website"
                else value not in (None, "", False)
            )
        )
