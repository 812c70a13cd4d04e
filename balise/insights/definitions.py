"""What the study looks for, as data: the telling answers that make a sentence, the key
indicators (declared and observed), the needs questions and the sections of the study.
Change these tables to change what the study says; :mod:`balise.insights.study` reads
them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from balise.members.models import CategoryGroup

DONT_KNOW = "nsp"

# How to name a category group in a sentence ("62 % des hébergements ...").
GROUP_PLURAL = {
    "": gettext_lazy("prestataires"),
    CategoryGroup.ACCOMMODATION: gettext_lazy("hébergements"),
    CategoryGroup.FOOD: gettext_lazy("restaurants et cafés"),
    CategoryGroup.LEISURE: gettext_lazy("sites de visite et activités"),
    CategoryGroup.TRADE: gettext_lazy("commerces et producteurs"),
    CategoryGroup.OTHER: gettext_lazy("associations et autres structures"),
}


@dataclass(frozen=True)
class Telling:
    """An answer worth a sentence when many providers (of a group) give it."""

    question: str
    options: tuple[str, ...]
    kind: str  # "strength" or "weakness"
    sentence: str  # with %(share)s and %(who)s


TELLING: tuple[Telling, ...] = (
    Telling(
        "avis.reponse",
        ("jamais",),
        "weakness",
        gettext_lazy("%(share)s des %(who)s ne répondent jamais aux avis"),
    ),
    Telling(
        "avis.reponse",
        ("toutes",),
        "strength",
        gettext_lazy("%(share)s des %(who)s répondent à tous les avis"),
    ),
    Telling(
        "avis.sollicitation",
        ("jamais",),
        "weakness",
        gettext_lazy("%(share)s des %(who)s n'invitent jamais leurs clients à laisser un avis"),
    ),
    Telling(
        "web.site_dedie",
        ("non",),
        "weakness",
        gettext_lazy("%(share)s des %(who)s n'ont pas de site internet à eux"),
    ),
    Telling(
        "web.site_dedie",
        ("oui",),
        "strength",
        gettext_lazy("%(share)s des %(who)s ont un site internet à eux"),
    ),
    Telling(
        "visi.google_business",
        ("complete",),
        "strength",
        gettext_lazy("%(share)s des %(who)s tiennent une fiche Google complète"),
    ),
    Telling(
        "visi.google_business",
        ("non_revendiquee", "aucune"),
        "weakness",
        gettext_lazy("%(share)s des %(who)s ne gèrent pas leur fiche Google"),
    ),
    Telling(
        "resa.module_en_ligne",
        ("non",),
        "weakness",
        gettext_lazy("%(share)s des %(who)s ne proposent pas de réservation en ligne"),
    ),
    Telling(
        "resa.module_en_ligne",
        ("oui",),
        "strength",
        gettext_lazy("%(share)s des %(who)s proposent la réservation en ligne sur leur site"),
    ),
    Telling(
        "secu.sauvegardes",
        ("rarement", "non"),
        "weakness",
        gettext_lazy("%(share)s des %(who)s ne sauvegardent jamais ou rarement leurs fichiers"),
    ),
    Telling(
        "secu.mots_de_passe_2fa",
        ("meme",),
        "weakness",
        gettext_lazy("%(share)s des %(who)s utilisent le même mot de passe partout"),
    ),
    Telling(
        "social.frequence",
        ("chaque_semaine",),
        "strength",
        gettext_lazy("%(share)s des %(who)s publient chaque semaine sur les réseaux sociaux"),
    ),
    Telling(
        "social.frequence",
        ("rarement", "jamais"),
        "weakness",
        gettext_lazy("%(share)s des %(who)s publient rarement ou jamais sur les réseaux sociaux"),
    ),
    Telling(
        "client.newsletter",
        ("non",),
        "weakness",
        gettext_lazy(
            "%(share)s des %(who)s n'envoient pas de nouvelles à leurs clients par e-mail"
        ),
    ),
    Telling(
        "equip.wifi_client",
        ("oui",),
        "strength",
        gettext_lazy("%(share)s des %(who)s proposent le wifi à leurs clients"),
    ),
    Telling(
        "equip.paiement_carte",
        ("sans_contact", "carte"),
        "strength",
        gettext_lazy("%(share)s des %(who)s acceptent la carte bancaire sur place"),
    ),
    Telling(
        "client.email_quotidien",
        ("chaque_jour",),
        "strength",
        gettext_lazy("%(share)s des %(who)s consultent leur messagerie chaque jour"),
    ),
)
# A sentence is written when the share reaches this; a group is cited apart from the
# whole sample when it differs from it by at least GROUP_GAP points.
FINDING_SHARE = 50.0
GROUP_GAP = 10.0
FINDINGS_PER_KIND = 4


@dataclass(frozen=True)
class Indicator:
    """A key indicator: declared (a share of the answers) and, when an audit check sees
    it, observed (a share of the respondents' audited sites with an "ok" verdict).
    ``yes`` lists the options that mean "yes"; ``none`` (multiple choices) lists the
    options that mean "no", every other answer meaning yes."""

    key: str
    label: str
    question: str
    yes: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    check: str = ""


INDICATORS: tuple[Indicator, ...] = (
    Indicator("site", gettext_lazy("Site internet à soi"), "web.site_dedie", ("oui",),
              check="site.reachable"),
    Indicator("mobile", gettext_lazy("Site adapté au téléphone"), "web.mobile", ("oui",),
              check="mobile.viewport"),
    Indicator("https", gettext_lazy("Site sécurisé (HTTPS)"), "web.https", ("oui",),
              check="security.https"),
    Indicator("booking", gettext_lazy("Réservation en ligne"), "resa.module_en_ligne", ("oui",),
              check="booking.engine"),
    Indicator("payment", gettext_lazy("Paiement en ligne"), "resa.paiement_en_ligne", ("oui",)),
    Indicator("google", gettext_lazy("Fiche Google gérée"), "visi.google_business",
              ("complete", "incomplete")),
    Indicator("social", gettext_lazy("Présence sur les réseaux sociaux"), "social.reseaux",
              none=("aucun", DONT_KNOW), check="social.links"),
    Indicator("reviews", gettext_lazy("Réponse aux avis"), "avis.reponse",
              ("toutes", "negatives")),
    Indicator("newsletter", gettext_lazy("Lettre d'information aux clients"), "client.newsletter",
              ("reguliere", "occasionnelle")),
    Indicator("wifi", gettext_lazy("Wifi pour les clients"), "equip.wifi_client", ("oui",)),
)  # fmt: skip

NEEDS: tuple[tuple[str, str, str], ...] = (
    ("needs_themes", "besoins.themes", gettext_lazy("Sujets souhaités")),
    ("needs_formats", "besoins.formats", gettext_lazy("Formats souhaités")),
    ("needs_months", "besoins.mois", gettext_lazy("Mois de disponibilité")),
    ("needs_moments", "besoins.moments", gettext_lazy("Moments de la journée")),
    ("needs_obstacles", "besoins.freins", gettext_lazy("Freins")),
)

SECTIONS = {
    "participation": gettext_lazy("Participation"),
    "maturity": gettext_lazy("Maturité numérique"),
    "heatmaps": gettext_lazy("Comparaison des groupes"),
    "indicators": gettext_lazy("Indicateurs clés : déclaré et observé"),
    "needs": gettext_lazy("Besoins d'accompagnement"),
    "evolution": gettext_lazy("Évolution"),
}
