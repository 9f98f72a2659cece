"""Demo of Einkaufen im Harz (owner: M3; the `marketplace-demo` step of `load_tenant --demo`).

* 25 shops, cafés and craft businesses in real Harz towns. **They are fictional**: plausible
  names and streets, positions near the real town centres, no real business is meant. Each is a
  company account with a Harz-Kompass place (category by kind) and opening hours in the OSM
  syntax (some with a lunch break, short Saturdays, one restaurant in the evening).
* Each has 20–80 articles generated from a realistic list per shop category (name, brand,
  category, price; some with a GTIN with a valid check digit; stock 0–12 reported within the
  last days), indexed for the product search (catalog.fulltext).
* Logins: the shop owner `laden-demo` (member of two shops) and the county office
  `einkaufen-buero` (role retail_office, password + TOTP), printed with the other demo logins.

Idempotent: companies by name, places and shops by slug, articles by (shop, article number);
a second run writes nothing (stock and times stay as the first run made them).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Company, CompanyMembership
from openkreis.catalog import fulltext
from openkreis.core.models import OrgUnit, Region
from openkreis.core.staff import add_staff, ensure_totp
from openkreis.directory import hours
from openkreis.directory.models import Place

from .config import place_category
from .imports import gtin_check_digit
from .models import Product, Shop

OWNER_USER = "laden-demo"
OWNER_PASSWORD = "harz-laden-demo-2026"  # noqa: S105 (printed demo login)
TEAM_USER = "haendler-demo"  # the other demo shops' member (no usable password)
OFFICE_USER = "einkaufen-buero"
OFFICE_PASSWORD = "harz-einkaufen-demo-2026"  # noqa: S105 (printed demo login)
OFFICE_SECRET = "EINKAUFENBUERODEMOAAAAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32)
OFFICE_UNIT = "wirtschaftsfoerderung"

# town: (postcode, municipality, lat, lon of the centre)
TOWNS = {
    "Wernigerode": ("38855", "Wernigerode", 51.8352, 10.7853),
    "Halberstadt": ("38820", "Halberstadt", 51.8958, 11.0480),
    "Quedlinburg": ("06484", "Quedlinburg", 51.7893, 11.1415),
    "Blankenburg (Harz)": ("38889", "Blankenburg (Harz)", 51.7906, 10.9558),
    "Thale": ("06502", "Thale", 51.7486, 11.0417),
    "Osterwieck": ("38835", "Osterwieck", 51.9706, 10.7106),
    "Ilsenburg (Harz)": ("38871", "Ilsenburg (Harz)", 51.8667, 10.6797),
    "Harzgerode": ("06493", "Harzgerode", 51.6422, 11.1428),
    "Elbingerode (Harz)": ("38875", "Oberharz am Brocken", 51.7706, 10.8050),
    "Falkenstein/Harz": ("06463", "Falkenstein/Harz", 51.7369, 11.3300),
    "Ballenstedt": ("06493", "Ballenstedt", 51.7194, 11.2378),
}
WEEKDAYS = "Mo-Fr 09:00-18:00; Sa 09:00-13:00; PH off"
LUNCH = "Mo-Fr 08:30-12:30,14:00-18:00; Sa 08:30-12:00; PH off"

# (name, town, street, kind, category, opening hours, services, owner's shop, description)
SHOPS = [
    ("Eisenwaren Brockenblick", "Wernigerode", "Breite Straße 41", "retail", "haushalt",
     "Mo-Fr 08:00-18:00; Sa 08:00-13:00; PH off", "cr", True,
     "Werkzeug, Schrauben, Haushaltswaren und Gartenbedarf – mit Schlüsseldienst."),
    ("Buchhandlung Rathausblick", "Wernigerode", "Marktstraße 6", "retail", "buecher",
     "Mo-Fr 09:00-18:30; Sa 09:00-16:00; PH off", "cd", True,
     "Bücher, Harz-Wanderkarten, Kalender und Schreibwaren. Bestellung bis morgen."),
    ("Schuhhaus am Westerntor", "Wernigerode", "Westernstraße 18", "retail", "mode",
     "Mo-Fr 09:30-18:30; Sa 09:30-16:00; PH off", "c", False,
     "Schuhe für Stadt und Wanderweg, Einlagen nach Maß."),
    ("Radwerk Harz", "Wernigerode", "Friedrichstraße 77", "craft", "fahrrad",
     "Mo-Fr 09:00-13:00,14:00-18:00; Sa 09:00-13:00; PH off", "cr", False,
     "Fahrräder, E-Bikes und Zubehör; Werkstatt für alle Marken."),
    ("Optik Breite Straße", "Wernigerode", "Breite Straße 12", "retail", "optik",
     "Mo-Fr 09:00-18:00; Sa 09:30-13:00; PH off", "cr", False,
     "Brillen, Sonnenbrillen und Kontaktlinsen, Sehtest nach Termin."),
    ("Elektro Domplatz", "Halberstadt", "Domplatz 9", "retail", "elektronik",
     "Mo-Fr 10:00-19:00; Sa 10:00-18:00; PH off", "cdr", False,
     "Handys, Fernseher, Haushaltsgeräte und Zubehör; Reparatur im Haus."),
    ("Spielzeugkiste am Holzmarkt", "Halberstadt", "Holzmarkt 4", "retail", "spielwaren",
     WEEKDAYS, "c", False, "Spielzeug aus Holz, Brettspiele, Puzzles und Bastelbedarf."),
    ("Hofladen Sülzegraben", "Halberstadt", "Sülzegraben 21", "retail", "lebensmittel",
     "Tu-Fr 09:00-18:00; Sa 08:00-12:00; PH off", "cd", False,
     "Kartoffeln, Eier, Wurst und Käse vom Hof und aus der Region."),
    ("Drogerie Fischmarkt", "Halberstadt", "Fischmarkt 2", "retail", "drogerie",
     "Mo-Fr 08:30-19:00; Sa 09:00-16:00; PH off", "c", False,
     "Drogerieartikel, Naturkosmetik und Babybedarf."),
    ("Zoohandlung Harztier", "Halberstadt", "Breiter Weg 55", "retail", "tierbedarf",
     WEEKDAYS, "cd", False, "Futter und Zubehör für Hund, Katze, Vogel und Aquarium."),
    ("Kunsthandwerk am Schlossberg", "Quedlinburg", "Schlossberg 3", "retail", "kunsthandwerk",
     "Mo-Su 10:00-18:00", "c", False,
     "Keramik, Holzschnitzereien, Harzer Hexen und Postkarten aus der Welterbestadt."),
    ("Blumen Finkenherd", "Quedlinburg", "Finkenherd 8", "retail", "garten",
     "Mo-Fr 08:00-18:00; Sa 08:00-13:00; Su 10:00-12:00", "cd", False,
     "Sträuße, Topfpflanzen, Erde und Gartenbedarf."),
    ("Restaurant Stiftskeller", "Quedlinburg", "Marktstraße 14", "food", "gastronomie",
     "Tu-Sa 17:00-23:00; Su 11:30-14:30,17:00-22:00", "c", False,
     "Harzer Küche am Abend; Spezialitäten und Gutscheine zum Mitnehmen."),
    ("Buchladen Welterbe", "Quedlinburg", "Steinweg 22", "retail", "buecher",
     WEEKDAYS, "c", False, "Bücher über den Harz, Kinderbücher und Geschenke."),
    ("Outdoor Regenstein", "Blankenburg (Harz)", "Lange Straße 30", "retail", "sport",
     "Mo-Fr 09:30-18:00; Sa 09:30-14:00; PH off", "cr", False,
     "Wanderschuhe, Jacken, Rucksäcke und Zelte für den Harz."),
    ("Haushaltswaren Tränkestraße", "Blankenburg (Harz)", "Tränkestraße 5", "retail",
     "haushalt", LUNCH, "c", False, "Töpfe, Pfannen, Glas und alles für die Küche."),
    ("Bodetal Sport & Wandern", "Thale", "Karl-Marx-Straße 12", "retail", "sport",
     "Mo-Fr 09:00-18:00; Sa 09:00-14:00; Su 10:00-14:00", "c", False,
     "Ausrüstung für Wanderungen durchs Bodetal, Verleih von Wanderstöcken."),
    ("Café Hexentanz", "Thale", "Hubertusstraße 2", "food", "gastronomie",
     "Mo-Su 10:00-18:00", "c", False, "Kuchen, Harzer Baumkuchen und Kaffee zum Mitnehmen."),
    ("Fachwerk-Drogerie Osterwieck", "Osterwieck", "Mittelstraße 9", "retail", "drogerie",
     LUNCH, "c", False, "Drogerie mit Reformwaren in der Fachwerkstadt."),
    ("Ilsetal Elektro", "Ilsenburg (Harz)", "Marktplatz 3", "retail", "elektronik",
     LUNCH, "cr", False, "Elektrogeräte, Leuchtmittel und Reparaturen."),
    ("Selketal Landmarkt", "Harzgerode", "Marktplatz 7", "retail", "lebensmittel",
     "Mo-Fr 08:00-18:00; Sa 08:00-12:00; PH off", "cd", False,
     "Regionale Lebensmittel, Brot vom Bäcker und Harzer Käse."),
    ("Brocken-Sport Elbingerode", "Elbingerode (Harz)", "Markt 5", "retail", "sport",
     "Mo-Fr 09:00-12:30,14:00-18:00; Sa 09:00-12:00", "cr", False,
     "Wintersport und Wandern: Skiverleih, Schlitten, Schneeschuhe."),
    ("Tischlerei Konradsburg", "Falkenstein/Harz", "Konradsburger Weg 4", "craft", "handwerk",
     "Mo-Fr 07:00-16:00", "r", False,
     "Holzarbeiten nach Maß, Schneidebretter und Spielzeug aus eigener Werkstatt."),
    ("Papeterie am Schloss", "Ballenstedt", "Schlossstraße 11", "retail", "buecher",
     WEEKDAYS, "c", False, "Schreibwaren, Schulbedarf und Papeterie."),
    ("Spielwaren Altstadt", "Quedlinburg", "Hohe Straße 10", "retail", "spielwaren",
     "Mo-Fr 10:00-18:00; Sa 10:00-16:00", "c", False, "Spielzeug für jedes Alter."),
]  # fmt: skip

# articles per shop category: (name, brands ("" = none), category, price, variants)
ARTICLES = {
    "haushalt": [
        ("Akkuschrauber 18 V", "Bosch|Makita|Metabo", "Werkzeug", "89.00", "|2 Akkus|im Koffer"),
        ("Schraubendreher-Set 6-tlg.", "Wera|Wiha", "Werkzeug", "24.95", ""),
        ("Kombizange 180 mm", "Knipex", "Werkzeug", "19.90", ""),
        ("Hammer 500 g", "Picard|Stanley", "Werkzeug", "16.50", ""),
        ("Spreizdübel", "Fischer", "Befestigung", "3.49", "6 mm, 50 St.|8 mm, 50 St.|10 mm"),
        ("Holzschrauben", "Spax", "Befestigung", "5.99", "4 x 40 mm|5 x 60 mm"),
        ("Verlängerungskabel", "Brennenstuhl", "Elektro", "12.99", "5 m|10 m|3-fach"),
        ("LED-Birne E27", "Osram|Philips", "Elektro", "4.99", "warmweiß|neutralweiß"),
        ("Bratpfanne", "WMF|Fissler", "Küche", "39.95", "24 cm|28 cm"),
        ("Kochtopf", "WMF", "Küche", "34.90", "16 cm|20 cm"),
        ("Klebeband transparent", "Tesa", "Büro", "2.79", ""),
        ("Gießkanne 10 l", "Emsa", "Garten", "12.50", "grün|anthrazit"),
        ("Arbeitshandschuhe", "Kixx", "Arbeitsschutz", "4.95", "Gr. 8|Gr. 9|Gr. 10"),
        ("Kehrschaufel mit Besen", "Vileda", "Haushalt", "7.99", ""),
        ("Wasserkocher 1,7 l", "Severin", "Küche", "29.99", ""),
    ],
    "buecher": [
        ("Wanderkarte Brocken 1:25.000", "Kompass|Schmidt-Buch", "Karten", "8.90", ""),
        ("Harz – Reiseführer", "Marco Polo|Dumont", "Reise", "14.95", ""),
        ("Kugelschreiber", "Schneider|Pelikan", "Schreibwaren", "2.49", "blau|schwarz|rot"),
        ("Bleistift HB", "Faber-Castell|Staedtler", "Schreibwaren", "0.89", ""),
        ("Füller für Schulanfänger", "Pelikan|Lamy", "Schreibwaren", "14.99", "blau|rot|grün"),
        ("Schulheft A4 liniert", "Brunnen", "Schreibwaren", "0.99", "Lin. 1|Lin. 27|kariert"),
        ("Radiergummi", "Läufer", "Schreibwaren", "0.79", ""),
        ("Harzer Sagen", "Mitteldeutscher Verlag", "Bücher", "12.00", ""),
        ("Kinderbuch Die kleine Hexe", "Thienemann", "Kinderbücher", "15.00", ""),
        ("Kalender Harz 2027", "", "Kalender", "16.95", ""),
        ("Notizbuch A5 gepunktet", "Leuchtturm1917", "Papeterie", "19.95", "schwarz|marine"),
        ("Buntstifte 24 Farben", "Faber-Castell", "Schreibwaren", "9.99", ""),
        ("Postkarten-Set Harz", "", "Papeterie", "4.50", ""),
        ("Schulranzen", "Scout|Ergobag", "Schulbedarf", "219.00", "Dino|Einhorn|Fußball"),
    ],
    "mode": [
        ("Wanderschuhe", "Lowa|Meindl", "Schuhe", "179.90", "Gr. 40|Gr. 41|Gr. 42|Gr. 43|Gr. 44"),
        ("Sneaker", "Adidas|Puma", "Schuhe", "89.95", "Gr. 38|Gr. 39|Gr. 40|Gr. 42|Gr. 44"),
        ("Gummistiefel", "Aigle", "Schuhe", "49.90", "Gr. 37|Gr. 39|Gr. 41"),
        ("Hausschuhe Filz", "Haflinger", "Schuhe", "44.90", "Gr. 38|Gr. 40|Gr. 42"),
        ("Schuhcreme", "Collonil", "Pflege", "6.95", "schwarz|braun|farblos"),
        ("Einlegesohlen", "Pedag", "Pflege", "12.95", ""),
        ("Wandersocken", "Falke", "Socken", "16.95", "39-41|42-43|44-45"),
    ],
    "fahrrad": [
        ("Trekkingrad 28 Zoll", "Kalkhoff|Cube", "Fahrräder", "799.00", "50 cm|55 cm"),
        ("E-Bike Trekking", "Kalkhoff|Haibike", "E-Bikes", "2899.00", "Rahmen 50 cm|Rahmen 55 cm"),
        ("Fahrradschlauch", "Schwalbe", "Ersatzteile", "6.99", "28 Zoll|26 Zoll|29 Zoll"),
        ("Fahrradhelm", "Abus|Uvex", "Zubehör", "69.95", "S|M|L"),
        ("Bügelschloss", "Abus", "Zubehör", "59.95", ""),
        ("Luftpumpe", "SKS", "Zubehör", "24.90", ""),
        ("Fahrradlicht-Set LED", "Busch+Müller", "Zubehör", "39.90", ""),
        ("Kettenöl", "Brunox", "Pflege", "7.95", ""),
        ("Fahrradtasche", "Ortlieb", "Zubehör", "99.95", "schwarz|rot"),
    ],
    "optik": [
        ("Lesebrille", "", "Brillen", "19.90", "+1,0|+1,5|+2,0|+2,5"),
        ("Sonnenbrille", "Ray-Ban|Julbo", "Sonnenbrillen", "129.00", "schwarz|havanna"),
        ("Brillenputztücher", "Zeiss", "Pflege", "4.95", ""),
        ("Brillenetui", "", "Zubehör", "9.90", "blau|schwarz"),
        ("Kontaktlinsenlösung", "Bausch + Lomb", "Kontaktlinsen", "12.95", ""),
        ("Hörgerätebatterien", "Varta", "Akustik", "6.95", "Typ 10|Typ 312"),
    ],
    "elektronik": [
        ("Smartphone", "Samsung|Fairphone", "Handys", "329.00", "128 GB|256 GB"),
        ("Ladekabel USB-C", "Anker|Hama", "Zubehör", "12.99", "1 m|2 m"),
        ("Powerbank 10.000 mAh", "Anker|Varta", "Zubehör", "29.99", ""),
        ("Kopfhörer", "Sony|Sennheiser", "Audio", "79.00", "schwarz|weiß"),
        ("Fernseher 55 Zoll", "LG|Samsung", "TV", "649.00", ""),
        ("Batterien AA", "Varta|Duracell", "Batterien", "5.99", "4 Stück|8 Stück"),
        ("Staubsauger beutellos", "Dyson|Bosch", "Haushaltsgeräte", "249.00", ""),
        ("Kaffeemaschine", "Melitta|Krups", "Haushaltsgeräte", "59.99", ""),
        ("Steckdosenleiste 6-fach", "Brennenstuhl", "Elektro", "17.99", ""),
        ("LED-Birne E14", "Osram", "Leuchtmittel", "4.49", "warmweiß|tageslicht"),
    ],
    "spielwaren": [
        ("Brettspiel Siedler", "Kosmos", "Spiele", "34.99", ""),
        ("Puzzle Brocken 1000 Teile", "Ravensburger", "Puzzles", "14.99", ""),
        ("Kuscheltier Luchs", "Steiff|Hermann", "Plüsch", "24.95", "klein|groß"),
        ("Holzeisenbahn Starterset", "Brio", "Holzspielzeug", "49.99", ""),
        ("Spielzeugauto", "Siku", "Modellautos", "6.99", "Traktor|Feuerwehr|Bus"),
        ("Fußball", "Derbystar", "Draußen", "19.95", "Gr. 4|Gr. 5"),
        ("Bausteine Grundset", "Lego", "Bauen", "29.99", ""),
        ("Kartenspiel Uno", "Mattel", "Spiele", "9.99", ""),
        ("Knete 6 Farben", "Play-Doh", "Basteln", "7.49", ""),
    ],
    "lebensmittel": [
        ("Harzer Käse", "Loose", "Käse", "2.49", "125 g|250 g"),
        ("Kartoffeln festkochend", "", "Gemüse", "3.49", "2,5 kg|5 kg"),
        ("Eier Freilandhaltung", "", "Eier", "3.60", "6 Stück|10 Stück"),
        ("Harzer Schmorwurst", "", "Wurst", "4.90", ""),
        ("Apfelsaft naturtrüb 1 l", "", "Getränke", "2.20", ""),
        ("Honig aus dem Harz", "", "Honig", "7.50", "Blüte|Wald"),
        ("Brötchen", "", "Backwaren", "0.45", "Weizen|Körner"),
        ("Bauernbrot 1 kg", "", "Backwaren", "4.20", ""),
        ("Marmelade", "", "Aufstrich", "3.90", "Erdbeere|Kirsche|Holunder"),
        ("Mineralwasser Harzer Grauhof", "Harzer Grauhof", "Getränke", "0.79", "still|medium"),
    ],
    "drogerie": [
        ("Zahnbürste", "Oral-B|Elmex", "Zahnpflege", "2.95", "weich|mittel"),
        ("Sonnencreme LSF 30", "Nivea|Ladival", "Sonnenschutz", "9.95", ""),
        ("Pflaster Strips", "Hansaplast", "Erste Hilfe", "3.45", ""),
        ("Windeln", "Pampers|Babylove", "Baby", "12.95", "Gr. 3|Gr. 4|Gr. 5"),
        ("Duschgel", "Weleda|Sebamed", "Körperpflege", "4.95", ""),
        ("Spülmittel", "Frosch", "Haushalt", "1.95", "Zitrone|Aloe Vera"),
        ("Handcreme", "Neutrogena", "Körperpflege", "4.45", ""),
        ("Shampoo", "Alverde|Guhl", "Haarpflege", "3.95", ""),
    ],
    "tierbedarf": [
        ("Hundefutter trocken", "Josera|Bosch Tiernahrung", "Hund", "24.99", "4 kg|12,5 kg"),
        ("Katzenstreu", "Cat's Best", "Katze", "14.99", "10 l|20 l"),
        ("Katzenfutter Nassfutter", "Animonda", "Katze", "1.09", "Rind|Geflügel"),
        ("Hundeleine", "Trixie|Hunter", "Hund", "19.95", "S|M|L"),
        ("Vogelfutter", "Vitakraft", "Vogel", "3.99", ""),
        ("Kauknochen", "", "Hund", "2.49", ""),
    ],
    "kunsthandwerk": [
        ("Hexenfigur", "", "Figuren", "19.90", "klein|groß|auf Besen"),
        ("Keramikbecher Quedlinburg", "", "Keramik", "16.50", "blau|grün"),
        ("Postkarte Welterbe", "", "Postkarten", "1.20", "Schloss|Marktplatz|Fachwerk"),
        ("Holzschnitzerei Fachwerkhaus", "", "Holz", "29.00", ""),
        ("Kerze handgezogen", "", "Kerzen", "8.50", "rot|weiß|honig"),
        ("Magnet Harz", "", "Souvenirs", "4.50", ""),
    ],
    "garten": [
        ("Blumenstrauß Saison", "", "Schnittblumen", "19.90", "klein|mittel|groß"),
        ("Blumenerde 40 l", "Compo|Floragard", "Erde", "8.99", ""),
        ("Orchidee im Topf", "", "Topfpflanzen", "16.95", "weiß|rosa"),
        ("Gießkanne 5 l", "Emsa", "Gartenbedarf", "9.95", ""),
        ("Kräutertopf", "", "Kräuter", "2.49", "Basilikum|Petersilie|Schnittlauch"),
        ("Grabgesteck", "", "Floristik", "24.90", ""),
    ],
    "gastronomie": [
        ("Gutschein", "", "Gutscheine", "25.00", "25 €|50 €"),
        ("Harzer Baumkuchen", "", "Kuchen", "14.90", "klein|groß"),
        ("Wildgulasch im Glas", "", "Spezialitäten", "8.90", ""),
        ("Kaffee gemahlen 250 g", "", "Kaffee", "7.50", ""),
        ("Holunderblütensirup", "", "Getränke", "6.50", ""),
        ("Brockenbier 0,5 l", "", "Getränke", "2.90", "hell|dunkel"),
        ("Pflaumenkuchen", "", "Kuchen", "3.20", "Stück|halbes Blech"),
        ("Harzer Kräuterlikör", "", "Spirituosen", "14.90", "0,2 l|0,5 l"),
        ("Wildschweinbratwurst im Glas", "", "Spezialitäten", "6.90", ""),
        ("Harzer Bergkäse 200 g", "", "Käse", "5.40", "jung|alt"),
        ("Eierlikör 0,5 l", "", "Spirituosen", "11.90", ""),
    ],
    "sport": [
        ("Wanderrucksack 30 l", "Deuter|Vaude", "Rucksäcke", "119.95", "blau|grau"),
        ("Regenjacke", "Jack Wolfskin|Vaude", "Jacken", "149.95", "S|M|L|XL"),
        ("Wanderstöcke", "Leki|Komperdell", "Zubehör", "79.95", ""),
        ("Schlafsack", "Deuter", "Camping", "129.00", ""),
        ("Zelt 2 Personen", "Vaude|MSR", "Camping", "249.00", ""),
        ("Trinkflasche 1 l", "Sigg|Nalgene", "Zubehör", "22.95", ""),
        ("Schlitten Holz", "", "Winter", "69.00", ""),
        ("Schneeschuhe", "TSL", "Winter", "159.00", ""),
        ("Mütze Merino", "Buff", "Bekleidung", "24.95", "grau|rot"),
    ],
    "handwerk": [
        ("Schneidebrett Eiche", "", "Küche", "34.00", "klein|groß"),
        ("Frühstücksbrett Buche", "", "Küche", "12.00", ""),
        ("Holzspielzeug Traktor", "", "Spielzeug", "39.00", ""),
        ("Vogelhaus", "", "Garten", "45.00", ""),
        ("Schlüsselbrett", "", "Wohnen", "29.00", ""),
        ("Holzlöffel", "", "Küche", "6.00", "klein|groß|Set"),
        ("Servierbrett mit Griff", "", "Küche", "39.00", "Eiche|Nussbaum"),
        ("Hocker", "", "Möbel", "89.00", "Eiche|Buche"),
        ("Kerzenständer Holz", "", "Wohnen", "24.00", "Eiche|Kirsche"),
        ("Spardose Fachwerkhaus", "", "Spielzeug", "19.00", ""),
        ("Garderobe 5 Haken", "", "Wohnen", "69.00", ""),
    ],
}  # fmt: skip
SERVICES = {"c": "click_collect", "d": "delivery", "r": "repair"}


def _user(username: str, password: str | None, first: str, last: str):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "first_name": first, "last_name": last},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def _articles(slug: str, category: str) -> list[dict]:
    """20–80 articles for a shop, the same on every run (seeded by the shop's slug)."""
    rng = random.Random(slug)
    combos = []
    for name, brands, group, price, variants in ARTICLES[category]:
        for brand in brands.split("|"):
            for variant in variants.split("|"):
                combos.append((name, brand, group, Decimal(price), variant))
    rng.shuffle(combos)
    wanted = rng.randint(20, max(20, min(80, len(combos))))
    single = [c for c in combos if c[3] < 30]
    pack = 2
    while len(combos) < wanted:  # a short list: cheap articles in packs of 2, 3, …
        combos += [(n, b, g, p * pack, f"{v} {pack}er-Pack".strip()) for n, b, g, p, v in single]
        pack += 1
    now = timezone.now()
    rows = []
    for number, (name, brand, group, price, variant) in enumerate(combos[:wanted], start=1):
        full = " ".join(part for part in (brand, name, variant) if part)
        price = (price * Decimal(rng.choice(["0.9", "1", "1", "1.05", "1.1"]))).quantize(
            Decimal("0.01")
        )
        gtin = ""
        if brand and rng.random() < 0.6:
            body = "40" + "".join(str(rng.randint(0, 9)) for _ in range(10))
            gtin = body + str(gtin_check_digit(body))
        stock = 0 if rng.random() < 0.15 else rng.randint(1, 12)
        rows.append(
            {
                "sku": f"{slug[:3].upper()}-{number:04d}",
                "name": full[:200],
                "brand": brand,
                "category": group,
                "price": price,
                "gtin": gtin,
                "stock": stock,
                "stock_updated_at": now - dt.timedelta(minutes=rng.randint(20, 4 * 24 * 60)),
            }
        )
    return rows


def _shop(spec, owner, team, report) -> Shop:
    name, town, street, kind, category, opening, services, mine, about = spec
    slug = slugify(name)[:100]
    postcode, municipality, lat, lon = TOWNS[town]
    shop = Shop.objects.filter(slug=slug).select_related("place").first()
    if shop is not None:
        return shop
    member = owner if mine else team
    company = Company.objects.filter(name=name, memberships__user=member).first()
    if company is None:
        company = accounts.create_company(
            member, name=name, street=street, postcode=postcode, city=town
        )
        if mine and team is not None:  # the owner's shops have a second member
            CompanyMembership.objects.get_or_create(
                company=company, user=team, defaults={"role": CompanyMembership.Role.MEMBER}
            )
    rng = random.Random(name)
    place = Place.objects.filter(slug=slug).first() or Place.objects.create(
        slug=slug,
        name=name,
        category=place_category(kind),
        description=about,
        street=street,
        postcode=postcode,
        town=town,
        municipality=Region.objects.filter(kind="municipality", name=municipality).first(),
        # within about 300 m of the town centre
        lat=round(lat + rng.uniform(-0.0025, 0.0025), 6),
        lon=round(lon + rng.uniform(-0.004, 0.004), 6),
        opening_hours=opening,
        phone=f"039{rng.randint(10, 99)} {rng.randint(10000, 99999)}",
        email=f"info@{slug}.example.org",
        wheelchair=rng.choice(["yes", "limited", "unknown"]),
    )
    hours.rebuild_intervals([place])
    shop = Shop.objects.create(
        slug=slug,
        company=company,
        place=place,
        kind=kind,
        category=category,
        description=about + " (Fiktives Demo-Geschäft.)",
        status=Shop.Status.ACTIVE,
        loyalty=kind != "craft",
        **{field: code in services for code, field in SERVICES.items()},
    )
    report.created += 1
    return shop


def _products(shop: Shop, report) -> list[int]:
    have = set(Product.objects.filter(shop=shop).values_list("sku", flat=True))
    new = [
        Product(shop=shop, **row)
        for row in _articles(shop.slug, shop.category)
        if row["sku"] not in have
    ]
    Product.objects.bulk_create(new)
    report.created += len(new)
    return [p.pk for p in Product.objects.filter(shop=shop, sku__in=[p.sku for p in new])]


def _office(report) -> None:
    unit = OrgUnit.objects.filter(key=OFFICE_UNIT).first()
    if unit is None:
        return
    user = add_staff(
        OFFICE_USER,
        f"{OFFICE_USER}@example.org",
        OFFICE_PASSWORD,
        unit,
        ["retail_office"],
        first_name="Einkaufen",
        last_name="Kreisverwaltung",
    )
    ensure_totp(user, OFFICE_SECRET)
    report.write("\nEinkaufen im Harz, Verwaltung (/einkaufen/verwaltung/), password + TOTP:")
    report.write(
        f"  {'Geschäfte freigeben':<30} {OFFICE_USER:<22} {OFFICE_PASSWORD}  {OFFICE_SECRET}"
    )


def load_demo(tenant, folder, report) -> None:
    if tenant is None:
        return
    owner = _user(OWNER_USER, OWNER_PASSWORD, "Lena", "Laden")
    team = _user(TEAM_USER, None, "Demo", "Handel")
    changed: list[int] = []
    mine = []
    for spec in SHOPS:
        shop = _shop(spec, owner, team, report)
        changed += _products(shop, report)
        if spec[7]:
            mine.append(shop.name)
    if changed:
        fulltext.index("products", changed)
    _office(report)
    report.write(
        f"\nEinkaufen im Harz, Händler (/einkaufen/haendler/): {OWNER_USER} / {OWNER_PASSWORD} "
        f"({' und '.join(mine)}; fiktive Geschäfte)"
    )
