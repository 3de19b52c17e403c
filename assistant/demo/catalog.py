"""Static data for the demo store: the product catalogue, time zones with phone plans, names."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

CONSUMABLE, EQUIPMENT, APPAREL = 0, 1, 2
KIND_NAMES = ("consumables", "equipment", "apparel")


@dataclass(frozen=True)
class Product:
    """One catalogue entry; `upgrade_to` names a better product anywhere in the list."""

    name: str
    kind: int
    price_cents: int
    weight: float  # relative popularity within its kind
    upgrade_to: str = ""
    relaunch_days_ago: int = 0  # 0 = never relaunched
    improvement_note: str = ""


def _words(text: str, sep: str = " ") -> tuple[str, ...]:
    return tuple(text.split(sep))


_C, _E, _A = CONSUMABLE, EQUIPMENT, APPAREL
_RESERVE_ETHIOPIA = "Reserve Single-Origin Ethiopia Whole Bean 1kg"

# Ember & Oak: a coffee-and-kitchen lifestyle brand. Upgrades sometimes point forward in the
# file (House Blend -> Reserve), so importers must resolve references after reading all rows.
PRODUCTS: tuple[Product, ...] = (
    Product("House Blend Whole Bean 250g", _C, 1250, 10.0, _RESERVE_ETHIOPIA),
    Product("House Blend Whole Bean 1kg", _C, 3800, 4.0, _RESERVE_ETHIOPIA),
    Product("Morning Ritual Espresso Blend 250g", _C, 1350, 8.0, "Reserve Espresso Whole Bean 1kg"),
    Product("Swiss Water Decaf 250g", _C, 1400, 3.0, "Swiss Water Decaf 1kg"),
    Product("Colombia Huila 250g", _C, 1600, 4.0, "Reserve Single-Origin Colombia Whole Bean 1kg"),
    Product("Ethiopia Yirgacheffe 250g", _C, 1750, 4.0, _RESERVE_ETHIOPIA),
    Product("Kenya AA Nyeri 250g", _C, 1850, 2.5),
    Product("Guatemala Antigua 250g", _C, 1550, 2.5),
    Product("Sumatra Mandheling 250g", _C, 1500, 2.0),
    Product("Brazil Cerrado 250g", _C, 1300, 3.0),
    Product("Cold Brew Coarse Grind 500g", _C, 1900, 2.5, "Cold Brew Jar 1.5L"),
    Product("Craft Instant Coffee 10-Pack", _C, 1400, 3.0, "Travel Press Brewer"),
    Product("Paper Filters No. 4 (100)", _C, 650, 5.0, "Stainless Steel Reusable Filter"),
    Product("Paper Filters Cone 02 (100)", _C, 700, 5.0, "Stainless Steel Reusable Filter"),
    Product("Bonded Carafe Filters (100)", _C, 1100, 2.0),
    Product("Espresso Machine Descaler 2-Pack", _C, 1400, 2.0),
    Product("Grinder Cleaning Tablets", _C, 1200, 1.5),
    Product("Earl Grey Loose Leaf 100g", _C, 1100, 2.0),
    Product("Sencha Green Tea 100g", _C, 1250, 1.5),
    Product("Chai Masala Blend 150g", _C, 1050, 1.5, "Chai Concentrate Kit"),
    Product("Vanilla Bean Syrup 750ml", _C, 950, 2.5),
    Product("Salted Caramel Syrup 750ml", _C, 950, 2.0),
    Product("Barista Oat Milk 1L 6-Pack", _C, 2100, 3.0),
    Product("Single-Origin Sampler 4x100g", _C, 2900, 2.0),
    Product("Roaster's Choice Subscription Box", _C, 3900, 2.0),
    Product("Almond Biscotti Tin", _C, 850, 2.0),
    Product("Dark Chocolate Coffee Beans 200g", _C, 900, 1.5),
    Product("Drinking Chocolate 250g", _C, 1150, 1.5),
    Product(_RESERVE_ETHIOPIA, _C, 5800, 1.2),
    Product("Reserve Single-Origin Colombia Whole Bean 1kg", _C, 5400, 1.0),
    Product("Reserve Espresso Whole Bean 1kg", _C, 5200, 1.2),
    Product("Swiss Water Decaf 1kg", _C, 4400, 0.8),
    Product("Chai Concentrate Kit", _C, 3400, 0.6),
    Product("Blade Grinder", _E, 2900, 4.0, "Conical Burr Grinder Pro"),
    Product("Hand Burr Grinder Classic", _E, 4500, 3.0, "Conical Burr Grinder Pro"),
    Product(
        "Conical Burr Grinder Pro",
        _E,
        18900,
        1.5,
        upgrade_to="Flat Burr Grinder Studio",
        relaunch_days_ago=38,
        improvement_note="Reinforced burr carrier; quieter motor",
    ),
    Product("Flat Burr Grinder Studio", _E, 44900, 0.6),
    Product("Stovetop Gooseneck Kettle", _E, 4500, 3.0, "Electric Gooseneck Kettle"),
    Product(
        "Electric Gooseneck Kettle",
        _E,
        12900,
        1.5,
        relaunch_days_ago=74,
        improvement_note="Redesigned lid hinge; holds temperature within 1 degree",
    ),
    Product("Ceramic Pour-Over Dripper", _E, 2800, 4.0),
    Product("Glass Carafe 600ml", _E, 3200, 2.5),
    Product("French Press 1L", _E, 3900, 3.0, "Double-Wall Steel French Press"),
    Product("Double-Wall Steel French Press", _E, 6900, 1.5),
    Product("Travel Press Brewer", _E, 3500, 2.5),
    Product("Cold Brew Jar 1.5L", _E, 4200, 2.0),
    Product(
        "Home Espresso Machine",
        _E,
        54900,
        1.2,
        upgrade_to="Dual Boiler Espresso Machine",
        relaunch_days_ago=103,
        improvement_note="New pressure-stable pump and a redesigned steam wand",
    ),
    Product("Dual Boiler Espresso Machine", _E, 149900, 0.25),
    Product("Handheld Milk Frother", _E, 1900, 3.0, "Electric Milk Frother"),
    Product(
        "Electric Milk Frother",
        _E,
        7900,
        1.0,
        relaunch_days_ago=19,
        improvement_note="New whisk coupling that no longer slips; non-stick jug",
    ),
    Product("Brew Scale with Timer", _E, 4900, 2.5, "Precision Brew Scale"),
    Product("Precision Brew Scale", _E, 9900, 1.0),
    Product("Espresso Tamper 58mm", _E, 3500, 1.5),
    Product("Walnut Knock Box", _E, 2900, 1.0),
    Product("Stainless Steel Reusable Filter", _E, 2400, 2.0),
    Product("Insulated Travel Tumbler 350ml", _E, 2800, 4.0),
    Product("Stoneware Mug Set of 4", _E, 4800, 3.0),
    Product("Espresso Cup Pair", _E, 2400, 2.0),
    Product("Airtight Coffee Canister 1kg", _E, 3400, 2.0),
    Product("Cast Iron Skillet 26cm", _E, 6500, 1.5),
    Product("Enamel Dutch Oven 4.7L", _E, 18900, 0.8),
    Product("Chef's Knife 20cm", _E, 11900, 1.0),
    Product("Walnut Cutting Board", _E, 7900, 1.2),
    Product("Linen Tea Towels Set of 3", _E, 2400, 2.0),
    Product(
        "Canvas Barista Apron",
        _A,
        5800,
        1.5,
        relaunch_days_ago=27,
        improvement_note="New sizing with a longer torso and true-to-size fit",
    ),
    Product("Denim Cross-Back Apron", _A, 7800, 2.5),
    Product("Waxed Canvas Work Apron", _A, 9500, 1.5),
    Product(
        "Merino Crewneck Sweater",
        _A,
        12800,
        1.2,
        relaunch_days_ago=88,
        improvement_note="Softer merino yarn; sleeves 2 cm longer and a roomier chest",
    ),
    Product(
        "Chunky Knit Cardigan",
        _A,
        14800,
        0.8,
        relaunch_days_ago=112,
        improvement_note="Pre-washed yarn that keeps its shape; buttons moved for a truer fit",
    ),
    Product("Fisherman Knit Beanie", _A, 3400, 3.0),
    Product("Cable Knit Scarf", _A, 4900, 2.0),
    Product("Organic Cotton Logo Tee", _A, 3200, 4.0),
    Product("Roaster Work Shirt", _A, 6800, 2.0),
    Product("Heavyweight Hoodie", _A, 7800, 3.0),
    Product("Coffee Club Crewneck Sweatshirt", _A, 6400, 2.5),
    Product("Canvas Market Tote", _A, 2800, 3.0),
    Product("Quilted Oven Mitts", _A, 2600, 2.0),
    Product("Wool Blend Socks 2-Pack", _A, 2200, 2.5),
    Product("Barista Cap", _A, 2900, 1.5),
)

# How messages name some products (products.csv `short_name`); the rest are shortened when
# drafting ("Swiss Water Decaf 250g" -> "Swiss Water Decaf").
SHORT_NAMES: dict[str, str] = {
    "House Blend Whole Bean 250g": "House Blend",
    "House Blend Whole Bean 1kg": "House Blend",
    "Morning Ritual Espresso Blend 250g": "Morning Ritual blend",
    "Barista Oat Milk 1L 6-Pack": "Barista Oat Milk",
    _RESERVE_ETHIOPIA: "Reserve Ethiopia",
    "Reserve Single-Origin Colombia Whole Bean 1kg": "Reserve Colombia",
    "Roaster's Choice Subscription Box": "Roaster's Choice box",
    "Dual Boiler Espresso Machine": "Dual Boiler",
    "Coffee Club Crewneck Sweatshirt": "Coffee Club sweatshirt",
}


@dataclass(frozen=True)
class Zone:
    """An IANA zone, its share of customers, the name locale and a mobile phone plan."""

    name: str
    weight: float
    locale: str
    country_code: str
    prefixes: tuple[str, ...]  # area code or mobile prefix after the country code
    digits: int  # subscriber digits after the prefix
    nanp: bool = False  # North American plan: the subscriber part may not start with 0 or 1


def _nanp(name: str, weight: float, areas: str) -> Zone:
    return Zone(name, weight, "en", "1", _words(areas), 7, nanp=True)


# Prefixes were checked with phonenumbers.is_valid_number for random subscriber digits. No two
# zones share a prefix, so numbers drawn per zone stay unique across the file.
ZONES: tuple[Zone, ...] = (
    _nanp("America/New_York", 0.25, "212 646 718 917 347 617 215 404 305 202"),
    _nanp("America/Chicago", 0.16, "312 773 214 713 512 612 504"),
    _nanp("America/Denver", 0.05, "303 720 801 505"),
    _nanp("America/Phoenix", 0.03, "602 480 520"),
    _nanp("America/Los_Angeles", 0.17, "213 310 415 206 503 619 702"),
    _nanp("America/Detroit", 0.02, "313 248"),
    _nanp("America/Anchorage", 0.005, "907"),
    _nanp("Pacific/Honolulu", 0.008, "808"),
    _nanp("America/Toronto", 0.03, "416 647 437 514"),
    _nanp("America/Vancouver", 0.015, "604 778"),
    _nanp("America/Edmonton", 0.008, "780 587"),
    _nanp("America/Halifax", 0.004, "902"),
    _nanp("America/Winnipeg", 0.003, "204"),
    Zone("Europe/London", 0.06, "en", "44", ("710", "712", "715", "730", "734", "740", "742"), 7),
    Zone("Europe/Dublin", 0.008, "en", "353", ("83", "85", "86", "87", "89"), 7),
    Zone("Europe/Berlin", 0.03, "de", "49", ("151", "152", "157", "160", "170", "176"), 8),
    Zone("Europe/Paris", 0.02, "fr", "33", ("61", "62", "64", "66", "67", "75", "77"), 7),
    Zone("Europe/Amsterdam", 0.008, "nl", "31", ("61", "62", "63", "64", "65"), 7),
    Zone("Europe/Madrid", 0.006, "es", "34", ("60", "61", "62", "63", "65", "66"), 7),
    Zone("Australia/Sydney", 0.015, "en", "61", ("40", "41"), 7),
    Zone("Australia/Melbourne", 0.01, "en", "61", ("42",), 7),
    Zone("Australia/Brisbane", 0.005, "en", "61", ("43",), 7),
    Zone("Australia/Perth", 0.003, "en", "61", ("46",), 7),
    Zone("Pacific/Auckland", 0.003, "en", "64", ("21", "22", "27"), 7),
    Zone("Asia/Tokyo", 0.01, "ja", "81", ("901", "902", "903", "705", "708"), 7),
    Zone("America/Sao_Paulo", 0.008, "pt", "55", ("119", "219"), 8),
    Zone("America/Mexico_City", 0.006, "es", "52", ("55",), 8),
    Zone("Asia/Singapore", 0.004, "en", "65", ("81", "83", "87", "91", "93", "96"), 6),
)


# Names contain no commas or quotes, so rows need no CSV quoting.
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": _words(
        "Olivia Emma Ava Sophia Isabella Mia Charlotte Amelia Harper Evelyn Abigail Emily "
        "Ella Grace Chloe Zoë Nora Lily Hannah Maya Priya Aaliyah Sofia Layla Riley "
        "Liam Noah Oliver Elijah James William Benjamin Lucas Henry Alexander Mason Ethan "
        "Daniel Jacob Logan Jackson Sebastian Mateo Owen Wyatt Caleb Isaac Arjun Omar "
        "Marcus Darnell Kenji Wei Siobhan Niamh Declan Rhys"
    ),
    "de": _words(
        "Anna Lena Leonie Marie Sophie Hannah Lea Mia Emilia Johanna Jürgen Lukas Leon "
        "Finn Jonas Paul Felix Maximilian Niklas Tobias Jörg Matthias Katrin Sabine"
    ),
    "fr": _words(
        "Camille Léa Chloé Manon Inès Jade Louise Margaux Élodie Amélie Hugo Louis Gabriel "
        "Arthur Jules Théo Raphaël Mathis Étienne Lucas Céline Nathalie"
    ),
    "nl": _words("Emma Julia Tess Sanne Fleur Daan Sem Lucas Bram Thijs Joris Femke"),
    "es": _words(
        "Lucía Sofía Martina María Paula Valeria Ximena Hugo Mateo Pablo Alejandro Diego "
        "Javier Santiago Andrés Camila"
    ),
    "ja": _words("Yui Hina Aoi Sakura Yuna Mei Haruto Sota Yuto Riku Kaito Ren Takumi Yuki"),
    "pt": _words(
        "Ana Beatriz Júlia Larissa Mariana Gabriela Lucas Gabriel Rafael João Pedro "
        "Matheus Thiago Camila"
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": _words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris "
        "Clark Lewis Robinson Walker Young Allen King Wright Scott Nguyen Patel Kim Chen "
        "O'Brien Murphy Kelly Walsh Campbell Stewart Evans Hughes Morgan Cooper Reyes Brooks "
        "Bennett Foster Singh Okafor Ramirez Hayes Sullivan"
    ),
    "de": _words(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger Hartmann"
    ),
    "fr": _words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefèvre Michel Garnier Faure Rousseau Chevalier"
    ),
    "nl": _words("de Jong|Jansen|de Vries|van Dijk|Bakker|Visser|Smit|Meijer|de Boer|Mulder", "|"),
    "es": _words(
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Álvarez"
    ),
    "ja": _words("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato"),
    "pt": _words(
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
        "Ribeiro Carvalho Almeida"
    ),
}

# RFC 2606 domains: pass email_validator without deliverability checks, never reach a person.
EMAIL_DOMAINS = (
    "example.com",
    "example.net",
    "example.org",
    "mail.example.com",
    "inbox.example.net",
)
SIZES = ("XS", "S", "M", "L", "XL", "XXL")

REASONS = ("fit", "sizing", "quality", "damaged", "changed_mind")
# Reason mix per kind (index = kind), and for returns of a product before its relaunch fixed it.
REASON_P_BY_KIND = (
    (0.0, 0.0, 0.15, 0.55, 0.30),
    (0.0, 0.0, 0.45, 0.25, 0.30),
    (0.40, 0.35, 0.05, 0.05, 0.15),
)
REASON_P_BEFORE_FIX = (
    (0.0, 0.0, 0.6, 0.2, 0.2),
    (0.0, 0.0, 0.85, 0.05, 0.10),
    (0.50, 0.42, 0.03, 0.0, 0.05),
)
_CHANGED_MIND = ("No longer needed", "Duplicate gift", "Found a different one")
# Short notes customers leave, per kind (index = kind) and reason.
RETURN_NOTES: tuple[dict[str, tuple[str, ...]], ...] = (
    {
        "quality": ("Tasted stale", "Roast date was months old", "Too bitter for us"),
        "damaged": ("Bag split open", "Box crushed in transit", "Valve on the bag was torn"),
        "changed_mind": (*_CHANGED_MIND, "Ordered the wrong grind"),
    },
    {
        "quality": (
            "Stopped working after two weeks",
            "Lid hinge cracked",
            "Leaks at the base",
            "Inconsistent results",
            "Louder than expected",
        ),
        "damaged": ("Arrived with a dent", "Glass chipped on arrival", "Box crushed in transit"),
        "changed_mind": (*_CHANGED_MIND, "Too big for our counter"),
    },
    {
        "fit": (
            "Too tight across the shoulders",
            "Sleeves too short",
            "Boxy on me",
            "Too short in the torso",
            "Neck strap digs in",
        ),
        "sizing": (
            "Runs a size small",
            "Ordered M but needed L",
            "Size chart was off",
            "Much bigger than expected",
        ),
        "quality": ("Seam came apart", "Pilled after one wash", "Colour faded quickly"),
        "damaged": ("Arrived with a stain", "Small hole near the hem"),
        "changed_mind": (*_CHANGED_MIND, "Not my style after all"),
    },
)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, accents stripped (for email local parts)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())
