"""The office's record of processing activities (registre des traitements, RGPD art. 30).

The processings are those Balise performs for the office; the retention texts come from
the office's :class:`PrivacySettings`. Pure data building, no query beyond the settings.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PrivacySettings


@dataclass(frozen=True)
class Processing:
    code: str
    name: str
    purpose: str
    legal_basis: str
    people: str
    data: str
    recipients: str
    retention: str
    security: str


def _years(count: int) -> str:
    return ngettext("%(count)d an", "%(count)d ans", count) % {"count": count}


def _days(count: int) -> str:
    return ngettext("%(count)d jour", "%(count)d jours", count) % {"count": count}


def processings(rules: PrivacySettings) -> list[Processing]:
    staff = _("l'équipe de l'office (administrateurs, animateurs, lecteurs)")
    hosting = _("l'hébergeur de l'instance Balise, sous-traitant (art. 28)")
    security = _(
        "Accès nominatif par rôle, cloisonnement strict entre offices, HTTPS, mots de passe "
        "robustes et limitation des tentatives, double authentification possible, "
        "sauvegardes chiffrées, journal des actions."
    )
    erased = _(
        "Effacement d'un prestataire archivé après %(years)s (réponses fermées et scores "
        "conservés de façon anonyme pour les statistiques)."
    ) % {"years": _years(rules.archived_provider_years)}
    return [
        Processing(
            code="annuaire",
            name=_("Annuaire des prestataires"),
            purpose=_(
                "Tenir la liste des adhérents et prestataires du territoire, les contacter, "
                "leur envoyer des informations (ateliers, actualités) s'ils l'ont accepté."
            ),
            legal_basis=_(
                "Mission de l'office (intérêt légitime ou mission d'intérêt public) ; "
                "consentement pour les e-mails d'information (art. 6.1.a), daté et tracé."
            ),
            people=_("Prestataires touristiques et leurs personnes à contacter"),
            data=_(
                "Nom, raison sociale, catégorie, adresse, commune, coordonnées GPS, "
                "personne à contacter, e-mail, téléphone, site web, réseaux sociaux, "
                "labels, adhésion, consentement, notes internes, identifiants SIT."
            ),
            recipients=f"{staff} ; {hosting}",
            retention=_(
                "Tant que le prestataire est actif ; %(erased)s Fichiers importés "
                "supprimés après %(days)s."
            )
            % {"erased": erased, "days": _days(rules.import_file_days)},
            security=security,
        ),
        Processing(
            code="diagnostic",
            name=_("Diagnostic numérique"),
            purpose=_(
                "Mesurer les usages numériques de chaque prestataire, lui remettre un "
                "rapport individuel et des conseils."
            ),
            legal_basis=_("Mission de l'office ; participation volontaire du prestataire."),
            people=_("Prestataires qui répondent au questionnaire"),
            data=_(
                "Réponses au questionnaire (dont texte libre), scores, niveau, "
                "recommandations ; adresse d'envoi et dates d'ouverture du lien personnel."
            ),
            recipients=staff,
            retention=_(
                "Liens personnels révoqués %(days)s après la fin de la campagne ; réponses "
                "conservées pour suivre les progrès d'une année sur l'autre. %(erased)s"
            )
            % {"days": _days(rules.invitation_days), "erased": erased},
            security=security
            + " "
            + _("Lien personnel signé et révocable ; pages non indexées et non mises en cache."),
        ),
        Processing(
            code="audit",
            name=_("Audit des sites web"),
            purpose=_(
                "Observer depuis l'extérieur la présence en ligne déclarée (site joignable, "
                "HTTPS, mobile, réservation, mentions légales)."
            ),
            legal_basis=_("Intérêt légitime de l'office ; données publiques des sites."),
            people=_("Prestataires ayant un site web"),
            data=_("Adresse du site, résultats des vérifications, écarts déclaré / observé."),
            recipients=staff,
            retention=_("Comme la fiche du prestataire. %(erased)s") % {"erased": erased},
            security=security,
        ),
        Processing(
            code="etude",
            name=_("Étude du territoire"),
            purpose=_(
                "Décrire les forces et faiblesses numériques du territoire, comparer les "
                "territoires d'un réseau."
            ),
            legal_basis=_("Mission de l'office (statistiques)."),
            people=_("Prestataires ayant répondu"),
            data=_(
                "Agrégats uniquement : tout groupe de moins de 5 réponses est masqué ; "
                "aucun nom ni texte libre."
            ),
            recipients=_(
                "%(staff)s ; élus et partenaires (document imprimé) ; coordinateurs du "
                "réseau (agrégats masqués)."
            )
            % {"staff": staff},
            retention=_("Agrégats anonymes, sans limite."),
            security=security,
        ),
        Processing(
            code="ateliers",
            name=_("Ateliers et rendez-vous"),
            purpose=_(
                "Proposer des ateliers adaptés aux besoins, gérer inscriptions, liste "
                "d'attente, rappels, présences, avis et rendez-vous individuels ; annoncer "
                "les séances d'un thème aux personnes qui l'ont demandé (« prévenez-moi »)."
            ),
            legal_basis=_(
                "Exécution de la demande de la personne (inscription) ; consentement pour "
                "les invitations par e-mail et les annonces « prévenez-moi »."
            ),
            people=_("Participants aux ateliers et aux rendez-vous"),
            data=_(
                "Nom, e-mail, structure, état de l'inscription, présence, avis et "
                "commentaire, sujet et note du rendez-vous."
            ),
            recipients=staff,
            retention=_(
                "Inscriptions et rendez-vous des personnes sans fiche prestataire anonymisés "
                "%(years)s après la séance ; ceux des prestataires, comme leur fiche ; "
                "« prévenez-moi » effacés au désabonnement, ou %(years)s après la demande."
            )
            % {"years": _years(rules.registration_years)},
            security=security + " " + _("Lien personnel signé pour annuler ou donner son avis."),
        ),
        Processing(
            code="comptes",
            name=_("Comptes du personnel"),
            purpose=_("Authentifier l'équipe de l'office et gérer ses droits."),
            legal_basis=_("Intérêt légitime (sécurité du service)."),
            people=_("Personnel de l'office"),
            data=_(
                "E-mail, nom, rôle, mot de passe (empreinte), date de dernière connexion, "
                "secret de double authentification, jetons d'API (empreinte)."
            ),
            recipients=_("Les administrateurs de l'office ; %(hosting)s") % {"hosting": hosting},
            retention=_("Compte désactivé après %(years)s sans connexion.")
            % {"years": _years(rules.staff_inactive_years)},
            security=security,
        ),
        Processing(
            code="journal",
            name=_("Journal des actions"),
            purpose=_(
                "Savoir qui a modifié quoi et quand (prestataires, campagnes, réponses, "
                "séances), pour la sécurité et la responsabilité de l'office."
            ),
            legal_basis=_("Intérêt légitime ; obligation de sécurité (art. 32)."),
            people=_("Personnel de l'office ; prestataires concernés par les modifications"),
            data=_("Auteur, date, objet modifié, valeurs avant et après."),
            recipients=_("Les administrateurs de l'office"),
            retention=_(
                "Entrées supprimées %(days)s après l'action ; l'effacement d'un prestataire "
                "efface aussi ce que le journal gardait de ses données."
            )
            % {"days": _days(rules.journal_days)},
            security=security,
        ),
    ]


def rights_contact(rules: PrivacySettings) -> str:
    """Where people exercise their rights: the DPO's address, else the office's."""
    return rules.dpo_email or rules.office.email
