#!/usr/bin/python3
"""Fills the French and German .ts files from the tables below (run after lupdate):
    /usr/lib/qt6/bin/lupdate app viewer -ts translations/lightbox_fr.ts translations/lightbox_de.ts
    python3 translations/fill_translations.py
Strings without an entry stay unfinished and show in English."""
import os
import xml.etree.ElementTree as ET

FR = {
    "ID: %1": "ID : %1", "Born %1": "Né(e) le %1", "Im %1/%2": "Im %1/%2", "  Fr %1/%2": "  Tr %1/%2",
    "Loc %1 mm": "Pos %1 mm", "Pos %1 mm": "Pos %1 mm", "Thk %1 mm": "Ép %1 mm", "Zoom %1%": "Zoom %1 %",
    "VOI LUT %1": "VOI LUT %1", "W %1  L %2": "L %1  N %2", "Inverted": "Inversé", "  LOSSY": "  AVEC PERTE",
    "Cancel": "Annuler", "Open a file or folder (Ctrl+O, Ctrl+Shift+O), or the demo study.":
    "Ouvrez un fichier ou un dossier (Ctrl+O, Ctrl+Maj+O), ou l’étude de démonstration.",
    "&File": "&Fichier", "&Open File…": "&Ouvrir un fichier…", "Open DICOM files": "Ouvrir des fichiers DICOM",
    "Open &Folder…": "Ouvrir un &dossier…", "Open a folder of DICOM files": "Ouvrir un dossier de fichiers DICOM",
    "Open &Demo Study": "Ouvrir l’étude de &démonstration", "&Quit": "&Quitter", "&View": "&Affichage",
    "&Fit to Window": "&Ajuster à la fenêtre", "&Actual Size (1:1)": "&Taille réelle (1:1)", "Zoom &In": "Zoom &avant",
    "Zoom &Out": "Zoom a&rrière", "Rotate &Right": "Rotation à &droite", "Rotate &Left": "Rotation à &gauche",
    "Flip &Horizontally": "Miroir &horizontal", "Flip &Vertically": "Miroir &vertical", "&Invert": "&Inverser",
    "Re&set": "Réinitiali&ser", "&Smooth Interpolation": "Interpolation &lissée", "Overlay &Text": "&Texte superposé",
    "&Window": "&Fenêtrage", "&Help": "&Aide", "&About Lightbox": "À &propos de Lightbox", "About Lightbox": "À propos de Lightbox",
    "Tools": "Outils", "Presets": "Préréglages", "Fit": "Ajuster", "1:1": "1:1", "Rotate": "Pivoter", "Flip": "Miroir",
    "Invert": "Inverser", "Reset": "Réinitialiser", "Play": "Lecture", "Pause": "Pause", " fps": " im/s",
    "Cine rate": "Cadence ciné", "Series": "Séries", "Default (from the image)": "Par défaut (de l’image)",
    "Image window %1: W %2 L %3": "Fenêtre de l’image %1 : L %2 N %3", "%1: W %2 L %3": "%1 : L %2 N %3",
    "Reading %1…": "Lecture de %1…", "%1 items": "%1 éléments", "Generating the demo study in %1…":
    "Création de l’étude de démonstration dans %1…", "The demo study could not be written to %1":
    "L’étude de démonstration n’a pas pu être écrite dans %1", "Cancelled.": "Annulé.", "(no description)": "(sans description)",
    "Image %1: %2": "Image %1 : %2", "(detector)": "(détecteur)", "Loading…": "Chargement…",
    "Cannot display this image:\n%1": "Impossible d’afficher cette image :\n%1", "Window/Level": "Fenêtrage",
    "Pan": "Déplacer", "Zoom": "Zoom", "Scroll": "Défiler", "Magnifier": "Loupe",
}
DE = {
    "ID: %1": "ID: %1", "Born %1": "Geb. %1", "Thk %1 mm": "SD %1 mm", "W %1  L %2": "W %1  L %2", "Inverted": "Invertiert",
    "  LOSSY": "  VERLUSTBEHAFTET", "Cancel": "Abbrechen", "&File": "&Datei", "&Open File…": "Datei ö&ffnen…",
    "Open &Folder…": "&Ordner öffnen…", "Open &Demo Study": "&Demo-Studie öffnen", "&Quit": "&Beenden",
    "&View": "&Ansicht", "&Fit to Window": "An &Fenster anpassen", "&Actual Size (1:1)": "&Originalgröße (1:1)",
    "Rotate &Right": "Nach &rechts drehen", "Rotate &Left": "Nach &links drehen", "Flip &Horizontally": "&Horizontal spiegeln",
    "Flip &Vertically": "&Vertikal spiegeln", "&Invert": "&Invertieren", "Re&set": "&Zurücksetzen", "&Window": "&Fensterung",
    "&Help": "&Hilfe", "&About Lightbox": "Ü&ber Lightbox", "About Lightbox": "Über Lightbox", "Tools": "Werkzeuge",
    "Presets": "Voreinstellungen", "Fit": "Anpassen", "Rotate": "Drehen", "Flip": "Spiegeln", "Invert": "Invertieren",
    "Reset": "Zurücksetzen", "Play": "Abspielen", "Pause": "Pause", " fps": " B/s", "Series": "Serien",
    "Loading…": "Laden…", "Cancelled.": "Abgebrochen.", "(no description)": "(ohne Beschreibung)", "Window/Level": "Fensterung",
    "Pan": "Verschieben", "Zoom": "Zoom", "Scroll": "Blättern", "Magnifier": "Lupe", "(detector)": "(Detektor)",
}

here = os.path.dirname(os.path.abspath(__file__))
for name, table in (("lightbox_fr.ts", FR), ("lightbox_de.ts", DE)):
    path = os.path.join(here, name)
    tree = ET.parse(path)
    for message in tree.iter("message"):
        source = message.find("source").text or ""
        translation = message.find("translation")
        if source in table and message.get("numerus") != "yes":
            translation.text = table[source]
            translation.attrib.pop("type", None)
    tree.write(path, encoding="utf-8", xml_declaration=True)
