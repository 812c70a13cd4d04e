"""The filters of the territory study (category, commune, label, size), which apply to
every view, every export and the API alike."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balise.members.models import CATEGORY_GROUP, Category, CategoryGroup, Commune, Label

SIZE_QUESTION = "profil.taille"
SIZE_CHOICES = [
    ("seul", gettext_lazy("Une personne")),
    ("p2_5", gettext_lazy("2 à 5 personnes")),
    ("p6_19", gettext_lazy("6 à 19 personnes")),
    ("p20_plus", gettext_lazy("20 personnes ou plus")),
]


@dataclass(frozen=True)
class StudyFilters:
    """Which providers a study looks at. Empty fields do not filter."""

    category_group: str = ""
    category: str = ""
    commune: Commune | None = None
    label: Label | None = None
    size: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.category_group or self.category or self.commune or self.label or self.size)

    def provider_q(self, prefix: str = "provider__") -> Q:
        """A Q on providers (through ``prefix``) for every filter but size."""
        q = Q()
        if self.category_group:
            categories = [c for c, g in CATEGORY_GROUP.items() if g == self.category_group]
            q &= Q(**{f"{prefix}category__in": categories})
        if self.category:
            q &= Q(**{f"{prefix}category": self.category})
        if self.commune is not None:
            q &= Q(**{f"{prefix}commune": self.commune})
        if self.label is not None:
            q &= Q(**{f"{prefix}labels": self.label})
        return q

    def apply(self, responses: QuerySet) -> QuerySet:
        """Restrict a queryset of diagnostics ``Response`` rows to these filters."""
        responses = responses.filter(self.provider_q())
        if self.size:
            responses = responses.filter(
                answer_rows__question=SIZE_QUESTION, answer_rows__option=self.size
            )
        if self.label is not None:
            responses = responses.distinct()
        return responses

    def describe(self) -> str:
        """The filters as one line for a page or a printed study; empty when none."""
        parts = []
        if self.category_group:
            parts.append(_("Famille : %s") % CategoryGroup(self.category_group).label)
        if self.category:
            parts.append(_("Catégorie : %s") % Category(self.category).label)
        if self.commune is not None:
            parts.append(_("Commune : %s") % self.commune.name)
        if self.label is not None:
            parts.append(_("Label : %s") % self.label.name)
        if self.size:
            parts.append(_("Taille : %s") % dict(SIZE_CHOICES)[self.size])
        return " · ".join(parts)

    def slug(self) -> str:
        """The filters as a file name part ("hebergement-malbosc-des-cevennes"), ASCII,
        empty when none: a filtered export says which providers it is about."""
        parts = [self.category_group, self.category]
        parts += [self.commune.name if self.commune else "", self.label.name if self.label else ""]
        parts.append(self.size.replace("_", "-"))
        return "-".join(slugify(part) for part in parts if part)

    def cache_key(self) -> str:
        return "|".join(
            [
                self.category_group,
                self.category,
                str(self.commune.pk if self.commune else ""),
                str(self.label.pk if self.label else ""),
                self.size,
            ]
        )


class StudyFilterForm(forms.Form):
    """GET form of the study filters; invalid values are ignored, never a 500."""

    category_group = forms.ChoiceField(
        label=gettext_lazy("Famille"), required=False, choices=[("", "—")]
    )
    category = forms.ChoiceField(label=gettext_lazy("Catégorie"), required=False, choices=[])
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"), required=False, queryset=Commune.objects.none()
    )
    label = forms.ModelChoiceField(
        label=gettext_lazy("Label"), required=False, queryset=Label.objects.none()
    )
    size = forms.ChoiceField(label=gettext_lazy("Taille"), required=False, choices=[])

    def __init__(self, data=None, *, office, **kwargs):
        super().__init__(data, **kwargs)
        everything = [("", _("Toutes"))]
        self.fields["category_group"].choices = everything + list(CategoryGroup.choices)
        self.fields["category"].choices = everything + list(Category.choices)
        self.fields["size"].choices = everything + SIZE_CHOICES
        self.fields["commune"].queryset = Commune.objects.filter(
            providers__office=office
        ).distinct()
        self.fields["label"].queryset = Label.objects.filter(providers__office=office).distinct()
        # Same empty choice as the other filters, not Django's "---------".
        self.fields["commune"].empty_label = _("Toutes")
        self.fields["label"].empty_label = _("Tous")

    def filters(self) -> StudyFilters:
        """The valid filters of the submitted data (an invalid field counts as empty)."""
        if not self.is_bound:
            return StudyFilters()
        self.is_valid()
        data = self.cleaned_data
        return StudyFilters(
            category_group=data.get("category_group") or "",
            category=data.get("category") or "",
            commune=data.get("commune"),
            label=data.get("label"),
            size=data.get("size") or "",
        )
