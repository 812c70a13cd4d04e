"""Which providers a campaign targets: the directory filters it stores.

A campaign keeps the directory's filters (category, commune, membership…) as plain JSON,
so its panel can be drawn again with the same rule when providers are added later.
"""

from django.db.models import QuerySet

from balise.members.filters import ProviderFilterForm
from balise.members.models import Provider
from balise.offices.models import Office

from .models import Campaign


def clean_target_filters(*, office: Office, data: dict | None) -> dict:
    """The directory filters of a campaign, validated by ProviderFilterForm, as plain JSON.

    Bad or unknown values are dropped (as on the directory page); archived providers are
    never targeted.
    """
    form = ProviderFilterForm(data or None, office=office)
    if not form.is_bound:
        return {}
    form.is_valid()
    filters = {}
    for name, value in form.cleaned_data.items():
        if name == "archived" or value in (None, ""):
            continue
        if isinstance(value, bool):
            filters[name] = "true" if value else "false"
        elif hasattr(value, "pk"):
            field = form.fields[name]
            filters[name] = str(getattr(value, field.to_field_name or "pk"))
        else:
            filters[name] = str(value)
    return filters


def targeted_providers(campaign: Campaign) -> QuerySet[Provider]:
    """The office's active providers matching the campaign's stored directory filters."""
    filters = {k: v for k, v in (campaign.target_filters or {}).items() if k != "archived"}
    return ProviderFilterForm(filters or None, office=campaign.office).filter()
