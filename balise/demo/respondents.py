"""Who answers the demo's diagnostics: each provider's latent digital maturity.

A provider's maturity (0–1) starts from its category and what the directory knows (a
website, social accounts), with a seeded spread; each axis adds what its kind of provider
is good or weak at. :class:`Respondent` is plain data: the answers are drawn from it in
:mod:`balise.demo.answers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from random import Random

from balise.members.models import Category, Provider

# --- Who answers: maturity and category effects ---------------------------------------

ANY = "*"  # the row of a table for the categories it does not name
SMALL_RENTALS = (Category.RENTAL, Category.BED_AND_BREAKFAST)

# fmt: off
# A provider's digital maturity (0–1) before anything else is known of it.
BASE_MATURITY = {
    Category.HOTEL: 0.58, Category.CAMPSITE: 0.58, Category.RENTAL: 0.36,
    Category.BED_AND_BREAKFAST: 0.42, Category.GROUP_LODGING: 0.46, Category.RESTAURANT: 0.46,
    Category.CAFE_BAR: 0.36, Category.VISITOR_SITE: 0.5, Category.ACTIVITY: 0.52,
    Category.PRODUCER: 0.42, Category.SHOP: 0.38, Category.ASSOCIATION: 0.36,
}

# Added to the maturity on one axis: what each kind of provider is good or weak at.
CATEGORY_EFFECTS: dict[str, dict[str, float]] = {
    Category.RENTAL: {"e_reputation": -0.25, "commercialisation": -0.2, "reseaux_sociaux": -0.1},
    Category.BED_AND_BREAKFAST: {
        "e_reputation": -0.25, "commercialisation": -0.2, "reseaux_sociaux": -0.1,
    },
    Category.HOTEL: {
        "commercialisation": 0.25, "e_reputation": 0.15, "equipement": 0.1, "relation_client": 0.1,
    },
    Category.CAMPSITE: {
        "commercialisation": 0.25, "e_reputation": 0.1, "equipement": 0.1, "reseaux_sociaux": 0.05,
    },
    Category.RESTAURANT: {"reseaux_sociaux": 0.3, "e_reputation": 0.1, "site_web": -0.05},
    Category.CAFE_BAR: {"reseaux_sociaux": 0.15, "site_web": -0.1},
    Category.ACTIVITY: {"reseaux_sociaux": 0.3, "commercialisation": 0.1},
    Category.VISITOR_SITE: {"visibilite": 0.1, "reseaux_sociaux": 0.1},
    Category.PRODUCER: {"commercialisation": -0.1, "reseaux_sociaux": 0.05},
    Category.SHOP: {"commercialisation": -0.1},
    Category.ASSOCIATION: {
        "e_reputation": -0.3, "commercialisation": -0.3, "donnees_securite": -0.1,
    },
}
# fmt: on


def clamp(value: float, low: float = 0.02, high: float = 0.98) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Respondent:
    """One provider as its answers see it: plain data taken from the directory."""

    category: str
    website: bool
    social: frozenset[str]
    labels: frozenset[str]
    classified: bool
    email: str
    description: str
    year_round: bool
    maturity: float
    leanings: Mapping[str, float] = field(default_factory=dict)  # per axis, every year

    def level(self, axis: str | None) -> float:
        """How good the provider is on ``axis`` (its maturity for unscored questions)."""
        if axis is None:
            return self.maturity
        effect = CATEGORY_EFFECTS.get(self.category, {}).get(axis, 0.0)
        return clamp(self.maturity + effect + self.leanings.get(axis, 0.0))

    def matured(self, gain: float) -> Respondent:
        return replace(self, maturity=clamp(self.maturity + gain))


def respondent_for(provider: Provider, axes: list[str], rng: Random) -> Respondent:
    """A provider's latent profile (its labels and tags prefetched)."""
    social = frozenset(provider.social_links or {})
    maturity = (
        BASE_MATURITY.get(provider.category, 0.4)
        + (0.08 if provider.website else -0.04)
        + 0.04 * len(social & {"facebook", "instagram"})
        + rng.gauss(0, 0.12)
    )
    return Respondent(
        category=provider.category,
        website=bool(provider.website),
        social=social,
        labels=frozenset(label.name for label in provider.labels.all()),
        classified="étoile" in provider.classification,
        email=provider.email,
        description=provider.description,
        year_round=any(tag.name == "ouvert toute l'année" for tag in provider.tags.all()),
        maturity=clamp(maturity, 0.05, 0.95),
        leanings={axis: rng.gauss(0, 0.1) for axis in axes},
    )
