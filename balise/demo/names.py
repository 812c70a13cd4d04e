"""Word lists for the demo territory: people, places, streets, a Cévennes flavour.

Plain data plus two helpers for French articles. Places are ``(article, noun)`` pairs so
names can be built with the right contraction: "Gîte La Clède", "Mas de la Clède",
"Chemin du Mazet", "Domaine des Terrasses", "Gîte de l'Aire".
"""

# fmt: off
FEMALE_FIRST_NAMES = (
    "Marie", "Sophie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Christine", "Valérie",
    "Émilie", "Julie", "Camille", "Léa", "Claire", "Anne", "Élodie", "Aurélie", "Sandrine",
    "Céline", "Martine", "Monique", "Françoise", "Mireille", "Josiane", "Pauline", "Manon",
    "Lucie", "Chloé", "Agnès", "Hélène", "Laurence", "Odile", "Florence", "Virginie",
    "Delphine", "Karine", "Magali", "Coralie", "Justine", "Margaux", "Inès", "Solène",
    "Annie", "Brigitte", "Danielle", "Éliane", "Geneviève", "Roseline", "Ghislaine",
)

MALE_FIRST_NAMES = (
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Patrick", "Christophe", "Laurent",
    "Nicolas", "Stéphane", "Olivier", "Julien", "Thomas", "Sébastien", "Frédéric", "Éric",
    "David", "Guillaume", "Mathieu", "Antoine", "Bernard", "Jacques", "Daniel", "Gilles",
    "Fabrice", "Vincent", "Romain", "Maxime", "Lucas", "Hugo", "Serge", "Thierry", "Didier",
    "Bruno", "Jean-Pierre", "Jean-Luc", "Marc", "Benoît", "Yves", "René", "Gérard", "Rémi",
    "Baptiste", "Florian", "Cédric", "Xavier", "Lionel", "Aurélien",
)

# Cévenol and Languedoc surnames first (they weigh more), then common French ones, then
# the Dutch, British and other owners who run many gîtes in the Cévennes.
LOCAL_SURNAMES = (
    "Fabre", "Roux", "Boissier", "Teissier", "Coulet", "Valette", "Malaval", "Vidal",
    "Pellet", "Maurin", "Bonnafoux", "Salles", "Gaussen", "Arnal", "Nogaret", "Soulier",
    "Puech", "Rouquette", "Causse", "Cabanis", "Jourdan", "Brunel", "Guiraud", "Mazauric",
    "Plantier", "Serre", "Sabatier", "Boyer", "Lacombe", "Castanet", "Pagès", "Crouzet",
    "Affortit", "Bastide", "Carrière", "Cazalis", "Delon", "Espaze", "Galzin", "Hugon",
    "Laporte", "Marazel", "Nissoulle", "Olivier", "Pialot", "Rigal", "Sauvezon", "Tessier",
    "Vernhet", "Atger", "Bouzanquet", "Chaptal", "Deleuze", "Molinier", "Reboul", "Viala",
)
COMMON_SURNAMES = (
    "Martin", "Bernard", "Dubois", "Laurent", "Girard", "Moreau", "Fournier", "Mercier",
    "Blanc", "Garnier", "Faure", "Rousseau", "Lambert", "Bonnet", "Durand", "Leroy", "Robert",
    "Petit", "Richard", "Thomas", "Chevalier", "Perrin", "Morel", "Henry", "Nicolas",
    "Barbier", "Meunier", "Brun", "Marchand", "Colin", "Aubert", "Rey", "Gauthier", "Clément",
    "Arnaud", "Michel", "Garcia", "Martinez", "Lopez", "Fernandez", "Da Silva", "Benali",
)
FOREIGN_SURNAMES = (
    "Van der Berg", "De Vries", "Jansen", "Bakker", "Smith", "Taylor", "Müller", "Schmidt",
    "Peeters", "Janssens",
)

# Lieux-dits, mas and hamlets.
PLACES = (
    ("la", "Clède"), ("le", "Mazet"), ("la", "Bergerie"), ("la", "Magnanerie"),
    ("le", "Moulin"), ("la", "Faïsse"), ("le", "Valat"), ("la", "Source"), ("le", "Serre"),
    ("la", "Calade"), ("l'", "Aire"), ("le", "Four à pain"), ("la", "Draille"),
    ("les", "Terrasses"), ("la", "Filature"), ("le", "Cade"), ("la", "Borie"),
    ("le", "Pradel"), ("la", "Fontaine"), ("les", "Camps"), ("le", "Mas Neuf"),
    ("la", "Coste"), ("le", "Castanet"), ("la", "Rouvière"), ("l'", "Espinas"),
    ("le", "Puech"), ("la", "Bastide"), ("les", "Fonts"), ("le", "Claux"), ("la", "Vigne"),
    ("l'", "Oustal"), ("la", "Pradelle"), ("le", "Cros"), ("la", "Baume"), ("les", "Issarts"),
    ("le", "Rieu"), ("la", "Combe"), ("le", "Pont Vieux"), ("l'", "Ermitage"), ("le", "Bosquet"),
    ("la", "Treille"), ("le", "Jas"), ("la", "Grange"), ("les", "Aires"), ("le", "Colombier"),
)

# "Gîte Les Micocouliers", "Camping Les Cigales".
PLURALS = (
    "Micocouliers", "Châtaigniers", "Mûriers", "Chênes verts", "Genêts", "Cigales",
    "Figuiers", "Tilleuls", "Lavandes", "Oliviers", "Cerisiers", "Amandiers", "Noyers",
    "Bruyères", "Sources", "Hirondelles", "Arbousiers", "Glycines", "Platanes", "Buis",
    "Cistes", "Trois Ruisseaux", "Rochers", "Terrasses", "Jardins", "Églantines",
)

# Streets of a bourg-centre.
TOWN_STREETS = (
    "rue de la République", "Grand'Rue", "place du Temple", "rue des Filatures",
    "avenue Jean-Jaurès", "rue Pasteur", "place de la Mairie", "rue du Pont",
    "quai de la Rivière", "place du Marché", "rue de l'Église", "rue des Magnaneries",
    "avenue de la Gare", "rue du Château", "boulevard des Châtaigniers", "rue Basse",
    "rue Haute", "place de l'Ormeau", "rue des Écoles", "avenue du Mont-Aigoual",
    "rue Neuve", "place Saint-Pierre", "rue de la Calade", "rue du Four",
)

# Rural roads: "chemin du Mazet", "route de Valcrose".
RURAL_WAYS = ("chemin", "chemin", "route", "impasse", "montée", "draille")

# Webmail-looking but reserved (.example, RFC 2606) domains: a demo database wired to a
# real mail server by mistake can never write to a real person.
WEBMAIL_DOMAINS = (
    ("gmail.example", 40),
    ("orange.example", 22),
    ("wanadoo.example", 12),
    ("free.example", 10),
    ("laposte.example", 6),
    ("sfr.example", 5),
    ("hotmail.example", 5),
)
# fmt: on


def is_vowel_start(word: str) -> bool:
    return word[:1].lower() in "aàâeéèêiîoôuûhy"


def with_article(article: str, noun: str) -> str:
    """("la", "Clède") -> "La Clède"; ("l'", "Aire") -> "L'Aire"."""
    if article == "l'":
        return f"L'{noun}"
    return f"{article.capitalize()} {noun}" if article else noun


def river_in_text(article: str, noun: str) -> str:
    """("la", "Vallonne") -> "la Vallonne", ("l'", "Arre") -> "l'Arre", inside a sentence."""
    return f"{article}{noun}" if article == "l'" else f"{article} {noun}"


def of(article: str, noun: str) -> str:
    """French "de" with its contraction: "du Mazet", "de la Clède", "des Camps", "de l'Aire"."""
    if article == "le":
        return f"du {noun}"
    if article == "les":
        return f"des {noun}"
    if article == "la":
        return f"de la {noun}"
    if article == "l'":
        return f"de l'{noun}"
    return f"d'{noun}" if is_vowel_start(noun) else f"de {noun}"


def of_name(name: str) -> str:
    """ "de" before a proper name: "d'Émilie", "de Valcrose", "du Cros-Haut", "des Mazets"."""
    for article in ("Les ", "Le ", "La ", "L'"):
        if name.startswith(article):
            if article == "Le ":
                return f"du {name[3:]}"
            if article == "Les ":
                return f"des {name[4:]}"
            return f"de {name}"
    return f"d'{name}" if is_vowel_start(name) else f"de {name}"
