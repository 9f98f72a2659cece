"""A county's retail catalogue for the Einkaufen im Harz benchmark (bench/marketplace.py).

Shops by trade in proportions like a rural county's retail (food and farm shops, bakeries,
butchers, fashion and shoes, hardware, books, electronics, drugstores and pharmacies,
florists and garden centres, sports, bicycles, toys, souvenirs and crafts, restaurants, …);
per trade at least 100 product kinds (German, many compounds: a modifier glued to a head
noun, as German shops name their articles), brands and attributes. A shop sells mostly its
trade's kinds and a few from others (the supermarket's batteries). Books get generated titles
and authors. `products(shop_trades, n, seed)` yields the rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Trade:
    slug: str  # the county's shop category (tenants/harz/marketplace.yaml)
    label: str
    weight: int  # shops of this trade per ~520
    groups: list[tuple[str, str]]  # (modifiers, heads): every modifier + head is a kind
    brands: str
    attributes: str
    price: tuple[float, float]

    def kinds(self) -> list[str]:
        found: list[str] = []
        for modifiers, heads in self.groups:
            for head in heads.split():
                found.append(head)
                for modifier in modifiers.split():
                    found.append(modifier + head.lower())
        found = list(dict.fromkeys(found))
        # fill a short list up to 100 with product-line compounds ("Premiumkaffee")
        for prefix in EXTRA_PREFIXES:
            if len(found) >= 100:
                break
            found += [prefix + k.lower() for k in found[:40] if " " not in k]
        return found


EXTRA_PREFIXES = "Premium Mini Profi Reise Öko Geschenk".split()


TRADES = [
    Trade("lebensmittel", "Supermarkt & Hofladen", 60, [
        ("Vollmilch Zartbitter Nuss Mandel Karamell Marzipan Edel", "Schokolade Pralinen"),
        ("Blüten Wald Raps Akazien Tannen", "Honig"),
        ("Erdbeer Kirsch Aprikosen Himbeer Pflaumen Holunder", "Marmelade Saft"),
        ("Harzer Berg Ziegen Schaf Frisch Schnitt", "Käse"),
        ("Vollkorn Dinkel Eier Bio", "Nudeln Spätzle"),
        ("Kräuter Früchte Pfefferminz Kamillen Schwarz", "Tee"),
        ("Filter Bohnen Espresso", "Kaffee"),
        ("Pils Weizen Schwarz Bock", "Bier"),
        ("Apfel Kartoffel Zwiebel", "Chips Mus"),
        ("", "Milch Butter Joghurt Quark Eier Mehl Zucker Salz Reis Haferflocken Müsli "
             "Sahne Senf Ketchup Essig Öl Rapsöl Apfelessig Gurken Sauerkraut Linsen Erbsen "
             "Möhren Kartoffeln Äpfel Birnen Zwiebeln Knoblauch Tomaten Paprika Salat "
             "Mineralwasser Limonade Kräuterlikör Korn Wein Sekt"),
    ], "Harzer-Landmarke Hasseröder Harzhonig Rotkäppchen Milka Ritter-Sport Lindt Bahlsen "
       "Haribo Teekanne Dallmayr Jacobs Landliebe Hofgut-Harz Bioland Demeter Alnatura Ja "
       "Gut-Bio Wernigeröder Brocken-Kaffee", "250 g|500 g|1 kg|100 g|1 Liter|0,5 Liter|"
       "Bio|regional|aus dem Harz|Großpackung|Sparpack|laktosefrei|vegan|glutenfrei|"
       "Familienpackung|frisch", (0.49, 19.99)),
    Trade("lebensmittel", "Bäckerei & Konditorei", 55, [
        ("Roggen Dinkel Vollkorn Sauerteig Kartoffel Mehrkorn Sonnenblumen Bauern Kürbiskern",
         "Brot Brötchen"),
        ("Käse Kirsch Apfel Pflaumen Streusel Mohn Quark Butter Nuss Bienenstich",
         "Kuchen Torte Schnitte"),
        ("Schoko Vanille Nuss Butter Hafer", "Kekse Plätzchen Croissant"),
        ("", "Baguette Brezel Laugenstange Berliner Eierschecke Baumkuchen Stollen "
             "Lebkuchen Zwieback Knäckebrot Toastbrot Ciabatta Muffin Donut Windbeutel"),
    ], "Harzer-Backstube Bäckerei-Steinecke Konditorei-Wernigerode Landbäckerei Bäcker-Ilse "
       "Goslarer-Backhaus Hofbäcker", "Stück|500 g|750 g|1 kg|frisch|vom Vortag|Bio|"
       "handgemacht|Holzofen|regional|ganz|halb|Scheiben|Familiengröße", (0.4, 29.9)),
    Trade("lebensmittel", "Fleischerei", 30, [
        ("Harzer Thüringer Knoblauch Kräuter Pfeffer Leber Mett Blut Jagd Wild", "Wurst Salami"),
        ("Schweine Rinder Kalbs Lamm Puten Hähnchen Wild", "Braten Schnitzel Gulasch "
         "Hackfleisch Filet Steak"),
        ("", "Schinken Speck Leberwurst Sülze Bratwurst Bockwurst Wiener Frikadellen "
             "Rouladen Kotelett Kassler Mettwurst Knacker Feldkieker"),
    ], "Harzer-Landfleischerei Fleischerei-Müller Metzgerei-Bode Hofschlachterei Wildhandel-Harz "
       "Eichsfelder", "100 g|250 g|500 g|1 kg|am Stück|geschnitten|geräuchert|luftgetrocknet|"
       "frisch|Bio|aus der Region|gewürzt|mild|scharf", (0.99, 39.9)),
    Trade("mode", "Mode & Schuhe", 60, [
        ("Wander Turn Lauf Berg Haus Trekking Leder Kinder Winter Sicherheits Bade Tanz",
         "Schuhe"),
        ("Regen Winter Fleece Soft Daunen Leder Jeans Outdoor Funktions", "Jacke Weste"),
        ("Woll Strick Kinder Baumwoll", "Pullover Mütze Schal Socken Handschuhe"),
        ("Jeans Cargo Wander Stoff Chino Jogging", "Hose"),
        ("", "Gummistiefel Sandalen Stiefel Stiefeletten Pumps Hemd Bluse Kleid Rock "
             "T-Shirt Poloshirt Anzug Krawatte Gürtel Unterwäsche Schlafanzug Bademantel "
             "Badeanzug Handtasche Geldbörse Sonnenhut Kappe"),
    ], "Lowa Meindl Adidas Puma Nike Jack-Wolfskin Vaude Schöffel Levis Esprit S.Oliver "
       "Tom-Tailor Rieker Gabor Birkenstock Ecco Salamander Trigema Hessnatur Mustang",
       "schwarz|blau|rot|grün|grau|weiß|braun|Größe 36|Größe 38|Größe 40|Größe 42|Größe 44|"
       "Größe S|Größe M|Größe L|Größe XL|wasserdicht|atmungsaktiv|für Kinder|für Damen|"
       "für Herren|aus Leder|aus Baumwolle|nachhaltig", (4.99, 249.0)),
    Trade("haushalt", "Haushalt & Eisenwaren", 35, [
        ("Akku Bohr Schlag Winkel", "Schrauber Schleifer"),
        ("Stein Holz Metall Beton Fliesen Forstner", "Bohrer"),
        ("Holz Spanplatten Blech Maschinen", "Schrauben"),
        ("Koch Brat Schnell Wasser Dampf", "Topf Kocher Pfanne"),
        ("Küchen Brot Obst Taschen", "Messer"),
        ("Verlängerungs Lade Netzwerk Kabel", "Kabel Trommel"),
        ("", "Akkuschrauber Stichsäge Kreissäge Hammer Zange Wasserwaage Zollstock "
             "Schraubendreher Dübel Nägel Schraubenzieher Werkzeugkoffer Leiter "
             "Steckdosenleiste Glühbirne Taschenlampe Klebeband Silikon Farbe Pinsel "
             "Malerrolle Tapete Spachtel Schleifpapier Staubsauger Bügeleisen Thermoskanne "
             "Schneidebrett Kaffeemühle Wäscheständer Eimer Besen Mülleimer"),
    ], "Bosch Makita Metabo Einhell Fischer Wolfcraft Kärcher WMF Fissler Tefal Zwilling Leifheit "
       "Brennenstuhl Osram Philips Tesa Würth Gedore Knipex Stanley", "18 V|12 V|mit Akku|"
       "ohne Akku|Set|10 Stück|50 Stück|100 Stück|5 m|10 m|25 m|aus Edelstahl|Profi|"
       "für Heimwerker|klein|groß|robust|Ersatzteil", (0.99, 399.0)),
    Trade("buecher", "Bücher & Schreibwaren", 25, [
        ("Schul Schreib Zeichen Mal Haus Vokabel Notiz", "Heft Block"),
        ("Bunt Blei Filz Textmarker Farb", "Stifte"),
        ("", "Kugelschreiber Füller Bleistift Radiergummi Lineal Zirkel Spitzer Schere "
             "Klebestift Malkasten Schulranzen Federmappe Ordner Briefumschläge Postkarte "
             "Geschenkpapier Kalender Terminplaner Tagebuch Landkarte Wanderkarte "
             "Stadtplan Reiseführer Kochbuch Kinderbuch Bilderbuch Roman Krimi Hörbuch"),
    ], "Pelikan Lamy Staedtler Herlitz Faber-Castell Stabilo Brunnen Leitz Tesa Kompass "
       "Ravensburger Carlsen Rowohlt Dumont Harzverlag", "A4|A5|liniert|kariert|blanko|"
       "10 Stück|Set|blau|schwarz|rot|für Linkshänder|für Kinder|Recyclingpapier", (0.5, 49.0)),
    Trade("elektronik", "Elektronik", 25, [
        ("Bluetooth In-Ear Kinder Funk", "Kopfhörer Lautsprecher"),
        ("Lade Daten Antennen HDMI USB", "Kabel"),
        ("Radio Funk Reise", "Wecker"),
        ("Speicher Grafik SIM Geschenk", "Karte"),
        ("", "Smartphone Handy Tablet Laptop Fernseher Monitor Drucker Tastatur Maus "
             "Powerbank Ladegerät Router Kamera Spielkonsole Smartwatch Batterien Akku "
             "Festplatte USB-Stick Beamer Soundbar Staubsaugerroboter Toaster Föhn "
             "Rasierer Waschmaschine Kühlschrank Mikrowelle"),
    ], "Samsung Apple Sony JBL Anker Philips Panasonic Grundig Loewe Telefunken Canon HP "
       "Logitech Varta Duracell Sandisk Medion Braun Miele Bosch", "schwarz|weiß|silber|"
       "64 GB|128 GB|256 GB|1 TB|2 m|1 m|kabellos|mit Fernbedienung|4K|Full HD|"
       "wiederaufladbar|4 Stück|8 Stück", (2.99, 1299.0)),
    Trade("drogerie", "Drogerie & Apotheke", 40, [
        ("Sonnen Hand Gesichts Fuß Baby Nacht Tages", "Creme"),
        ("Zahn Haar Kleider Nagel", "Bürste"),
        ("Husten Hals Kopfschmerz Magen Nasen", "Tabletten Spray Tee"),
        ("Dusch Bade Haar Wasch", "Gel Shampoo"),
        ("", "Zahnpasta Zahnseide Mundwasser Deo Seife Rasierschaum Rasierklingen "
             "Pflaster Verband Fieberthermometer Wundsalbe Vitamine Magnesium "
             "Taschentücher Wattepads Windeln Feuchttücher Lippenpflege Nagellack "
             "Parfüm Haargummi Waschmittel Spülmittel Allzweckreiniger Müllbeutel"),
    ], "Nivea Dr.Best Elmex Colgate Balea Alverde Weleda Sebamed Hansaplast Ratiopharm "
       "Tetesept Doppelherz Pampers Tempo Persil Frosch Penaten Kneipp", "50 ml|100 ml|"
       "250 ml|500 ml|10 Stück|20 Stück|Familienpackung|für Kinder|sensitiv|parfümfrei|"
       "vegan|Naturkosmetik|Reisegröße", (0.45, 39.9)),
    Trade("garten", "Blumen & Garten", 35, [
        ("Blumen Kräuter Tomaten Rasen Anzucht Rhododendron", "Erde Dünger Samen"),
        ("Garten Hecken Rosen Ast", "Schere Handschuhe"),
        ("Blumen Pflanz Balkon Hänge", "Topf Kasten Ampel"),
        ("", "Rosen Tulpen Sonnenblumen Orchidee Geranien Lavendel Basilikum "
             "Blumenstrauß Kranz Gesteck Grabschmuck Gießkanne Gartenschlauch "
             "Rasenmäher Spaten Schaufel Rechen Harke Schubkarre Vogelhaus Vogelfutter "
             "Meisenknödel Insektenhotel Gartenzwerg Kompost Rindenmulch"),
    ], "Gardena Fiskars Compo Neudorff Kiepenkerl Wolf-Garten Floragard Substral "
       "Blumen-Harz Gärtnerei-Rose Baumschule-Harz", "5 Liter|20 Liter|40 Liter|70 Liter|"
       "Bio|torffrei|klein|groß|winterhart|für Balkon|für Kübel|rot|gelb|weiß|Set",
     (1.49, 299.0)),
    Trade("sport", "Sport & Freizeit", 20, [
        ("Fuß Hand Volley Basket Tennis", "Ball"),
        ("Trink Thermo", "Flasche"),
        ("Wander Kletter Trekking Kinder", "Rucksack Stöcke"),
        ("Schlaf Kuppel Tunnel", "Sack Zelt"),
        ("", "Isomatte Kompass Stirnlampe Schlitten Skier Skischuhe Langlaufski "
             "Schneeschuhe Badehose Schwimmbrille Yogamatte Hanteln Springseil "
             "Tischtennisschläger Federball Angel Kletterseil Helm Sportsocken Trikot"),
    ], "Deuter Vaude Jack-Wolfskin Salewa Uvex Leki Adidas Puma Nike Decathlon Head Fischer "
       "Atomic Salomon Mammut Tatonka", "Größe S|Größe M|Größe L|für Kinder|Erwachsene|"
       "leicht|wasserdicht|1 Liter|0,75 Liter|20 Liter|30 Liter|2 Personen|blau|rot|schwarz",
     (2.99, 499.0)),
    Trade("fahrrad", "Fahrräder", 10, [
        ("Fahrrad Kinder", "Schloss Helm Lampe Korb Tasche Anhänger Sattel Klingel"),
        ("Fahrrad Ersatz", "Schlauch Reifen Kette Bremse Pedale"),
        ("", "Fahrrad E-Bike Pedelec Mountainbike Trekkingrad Kinderfahrrad Laufrad "
             "Luftpumpe Flickzeug Schutzblech Gepäckträger Tacho Trinkflaschenhalter "
             "Regenponcho"),
    ], "Abus Uvex Schwalbe Continental Shimano Cube Kalkhoff Bulls Ortlieb Busch-Müller Sigma "
       "Topeak", "26 Zoll|28 Zoll|20 Zoll|schwarz|rot|für Kinder|mit Akku|Set|Ersatzteil",
     (3.99, 3999.0)),
    Trade("spielwaren", "Spielwaren", 15, [
        ("Holz Kinder Baby Puppen Familien Karten Würfel", "Spiel Puzzle"),
        ("Plüsch Kuschel", "Tier Bär Hase"),
        ("Bau Holz", "Klötze Kasten"),
        ("", "Brettspiel Puppe Puppenhaus Modelleisenbahn Spielzeugauto Bagger "
             "Kaufladen Murmeln Kreisel Drachen Seifenblasen Knete Malbuch Fingerfarben "
             "Wasserpistole Sandspielzeug Rutschauto Roller Schaukelpferd"),
    ], "Ravensburger Haba Schleich Lego Playmobil Kosmos Steiff Sigikid Bruder Brio Goki "
       "Schmidt", "ab 3 Jahren|ab 6 Jahren|ab 8 Jahren|500 Teile|1000 Teile|klein|groß|Set|"
       "aus Holz|für Kinder", (1.99, 199.0)),
    Trade("kunsthandwerk", "Kunsthandwerk & Souvenirs", 30, [
        ("Brocken Harz Hexen Fachwerk Wernigerode Quedlinburg", "Tasse Magnet Postkarte "
         "Kalender Figur"),
        ("Bienenwachs Duft Stumpen", "Kerze"),
        ("Holz Glas Keramik", "Schale Anhänger Vase"),
        ("", "Hexenpuppe Besen Schnitzerei Räuchermann Nussknacker Schwibbogen "
             "Holzspielzeug Töpferware Handgestricktes Schmuckkästchen Bilderrahmen "
             "Kräuterlikör Harzer Käse Baumkuchen"),
    ], "Harzer-Hexe Kunsthandwerk-Harz Töpferei-Ilsenburg Harzer-Glashütte Erzgebirge "
       "Brockenhaus Harzer-Landmarke", "handgemacht|aus dem Harz|klein|groß|bemalt|"
       "Geschenk|Set|Unikat|aus Holz|aus Glas", (1.5, 149.0)),
    Trade("gastronomie", "Gastronomie", 40, [
        ("Harzer Wild Jäger Zigeuner Wiener", "Schnitzel Gulasch Braten"),
        ("Kartoffel Erbsen Linsen Tomaten Kürbis", "Suppe Salat"),
        ("Käse Apfel Kirsch Schoko", "Kuchen Torte Eis"),
        ("", "Bratwurst Currywurst Pommes Flammkuchen Pizza Burger Döner Forelle "
             "Bauernfrühstück Soljanka Rouladen Klöße Spätzle Kaffee Cappuccino Kakao "
             "Bier Apfelschorle Mittagstisch Brotzeit Frühstück Gutschein"),
    ], "Gasthaus-Brocken Harzer-Hof Ratskeller Waldgasthaus Café-Wien Eiscafé-Venezia "
       "Hasseröder", "klein|groß|Portion|zum Mitnehmen|vegetarisch|vegan|hausgemacht|"
       "regional|Tagesgericht", (1.5, 29.9)),
    Trade("optik", "Optik & Akustik", 10, [
        ("Lese Sonnen Sport Kinder Gleitsicht", "Brille Gestell"),
        ("Tages Monats", "Linsen"),
        ("", "Hörgerät Brillenetui Putztuch Kontaktlinsenflüssigkeit Lupe Fernglas"),
    ], "Fielmann Ray-Ban Zeiss Rodenstock Silhouette Apollo Kind Phonak", "+1,0|+1,5|+2,0|"
       "+2,5|schwarz|braun|rund|eckig|für Kinder|entspiegelt", (4.99, 899.0)),
    Trade("schmuck", "Uhren & Schmuck", 15, [
        ("Armband Taschen Wand Kuckucks Funk", "Uhr Uhren"),
        ("Silber Gold Perlen Leder", "Kette Ring Ohrringe Armband Anhänger"),
        ("", "Trauring Verlobungsring Brosche Manschettenknöpfe Uhrenarmband Batteriewechsel"),
    ], "Casio Junghans Fossil Pandora Thomas-Sabo Esprit Citizen Seiko Tissot", "Silber|"
       "Gold|Edelstahl|für Damen|für Herren|wasserdicht|Geschenk", (9.9, 1999.0)),
    Trade("tierbedarf", "Tierbedarf", 15, [
        ("Hunde Katzen Vogel Fisch Pferde Kaninchen Meerschweinchen", "Futter Spielzeug "
         "Bett Napf"),
        ("Hunde Katzen", "Leine Halsband Streu Shampoo"),
        ("", "Kratzbaum Transportbox Aquarium Vogelkäfig Leckerli Kauknochen Heu Stroh"),
    ], "Fressnapf Trixie Happy-Dog Whiskas Royal-Canin Vitakraft Tetra Josera", "1 kg|"
       "3 kg|10 kg|klein|groß|für Welpen|für Senioren|getreidefrei|Bio", (0.99, 199.0)),
]  # fmt: skip

FIRST_NAMES = (
    "Anna Lena Marie Sophie Clara Greta Paula Emma Hanna Johanna Lukas Felix Jonas Paul "
    "Emil Karl Otto Max Theo Friedrich Heinrich Ingrid Ursula Gerda Wilhelm"
).split()
LAST_NAMES = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Klein Wolf Neumann Schwarz Braun Zimmermann Krüger Hartmann Lange Werner Harzer Brockmann "
    "Bodetal Selke Ilsetal"
).split()
TITLE_ADJ = (
    "dunkle stille verlorene letzte geheime alte kleine große wilde rote blaue eiserne "
    "vergessene goldene kalte"
).split()
TITLE_NOUN = (
    "Geheimnis Sommer Winter Brocken Hexe Wald Mühle Stadt Reise Nacht Spur Erbe Haus Tal "
    "Schwester Bergwerk Grenze Jahr Garten Liebe"
).split()
PLACES = "Harz Bodetal Selketal Schnee Nebel".split()
GENRES = "Roman Krimi Kinderbuch Sachbuch Wanderführer Kochbuch Bildband Thriller".split()
PUBLISHERS = "Rowohlt Dumont Hanser Carlsen Kosmos Harzverlag Mitteldeutscher-Verlag".split()


def shop_trades(n: int, rng: random.Random) -> list[Trade]:
    """`n` trades in the proportions of TRADES' weights (largest remainder)."""
    total = sum(t.weight for t in TRADES)
    shares = [(t, n * t.weight / total) for t in TRADES]
    counts = {t.label: int(s) for t, s in shares}
    rest = sorted(shares, key=lambda ts: ts[1] - int(ts[1]), reverse=True)
    for t, _s in rest[: n - sum(counts.values())]:
        counts[t.label] += 1
    trades = [t for t in TRADES for _ in range(counts[t.label])]
    rng.shuffle(trades)
    return trades


def _book(rng: random.Random) -> tuple[str, str, str, str]:
    genre = rng.choice(GENRES)
    title = f"Das {rng.choice(TITLE_ADJ)} {rng.choice(TITLE_NOUN)}"
    if rng.random() < 0.5:
        title = f"{rng.choice(TITLE_NOUN)} im {rng.choice(PLACES)}"
    author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    name = f"{title} – {author} ({genre})"
    return name, rng.choice(PUBLISHERS), "Buch", f"{genre} von {author}. {title}."


def product(trade: Trade, kinds: list[str], rng: random.Random) -> tuple[str, str, str, str]:
    """(name, brand, category, description) of one article of a shop of `trade`."""
    if trade.slug == "buecher" and rng.random() < 0.6:
        return _book(rng)
    other = rng.random() < 0.08  # the supermarket's batteries, the bakery's coffee
    if other:
        trade = rng.choice(TRADES)
        kinds = trade.kinds()
    kind = rng.choice(kinds)
    brand = rng.choice(trade.brands.split())
    attribute = rng.choice(trade.attributes.split("|"))
    name = f"{kind} {attribute}" if rng.random() < 0.6 else f"{brand} {kind} {attribute}"
    return name, brand, trade.label, f"{kind} von {brand}, {attribute}."
