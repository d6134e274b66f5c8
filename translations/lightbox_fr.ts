<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="fr_FR">
<context>
    <name>Overlay</name>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="49" />
        <source>ID: %1</source>
        <translation>ID : %1</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="54" />
        <source>Born %1</source>
        <translation>Né(e) le %1</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="63" />
        <source>S%1 </source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="66" />
        <source>Im %1/%2</source>
        <translation>Im %1/%2</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="67" />
        <source>  Fr %1/%2</source>
        <translation>  Tr %1/%2</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="70" />
        <source>Loc %1 mm</source>
        <translation>Pos %1 mm</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="76" />
        <source>Pos %1 mm</source>
        <translation>Pos %1 mm</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="78" />
        <source>Thk %1 mm</source>
        <translation>Ép %1 mm</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="79" />
        <source>Zoom %1%</source>
        <translation>Zoom %1 %</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="82" />
        <source>VOI LUT %1</source>
        <translation>VOI LUT %1</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="83" />
        <source>W %1  L %2</source>
        <translation>L %1  N %2</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="86" />
        <source>Inverted</source>
        <translation>Inversé</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="88" />
        <source>  LOSSY</source>
        <translation>  AVEC PERTE</translation>
    </message>
</context>
<context>
    <name>lightbox::app::MainWindow</name>
    <message>
        <location filename="../app/main_window.cpp" line="43" />
        <source>Lightbox</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="54" />
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="77" />
        <source>Open a file or folder (Ctrl+O, Ctrl+Shift+O), or the demo study.</source>
        <translation>Ouvrez un fichier ou un dossier (Ctrl+O, Ctrl+Maj+O), ou l’étude de démonstration.</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="100" />
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="101" />
        <source>&amp;Open File…</source>
        <translation>&amp;Ouvrir un fichier…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="102" />
        <source>Open DICOM files</source>
        <translation>Ouvrir des fichiers DICOM</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="105" />
        <source>Open &amp;Folder…</source>
        <translation>Ouvrir un &amp;dossier…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="106" />
        <source>Open a folder of DICOM files</source>
        <translation>Ouvrir un dossier de fichiers DICOM</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="109" />
        <source>Open &amp;Demo Study</source>
        <translation>Ouvrir l’étude de &amp;démonstration</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="111" />
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="113" />
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="114" />
        <source>&amp;Fit to Window</source>
        <translation>&amp;Ajuster à la fenêtre</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="115" />
        <source>&amp;Actual Size (1:1)</source>
        <translation>&amp;Taille réelle (1:1)</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="116" />
        <source>Zoom &amp;In</source>
        <translation>Zoom &amp;avant</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="117" />
        <source>Zoom &amp;Out</source>
        <translation>Zoom a&amp;rrière</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="119" />
        <source>Rotate &amp;Right</source>
        <translation>Rotation à &amp;droite</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="120" />
        <source>Rotate &amp;Left</source>
        <translation>Rotation à &amp;gauche</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="121" />
        <source>Flip &amp;Horizontally</source>
        <translation>Miroir &amp;horizontal</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="122" />
        <source>Flip &amp;Vertically</source>
        <translation>Miroir &amp;vertical</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="123" />
        <source>&amp;Invert</source>
        <translation>&amp;Inverser</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="124" />
        <source>Re&amp;set</source>
        <translation>Réinitiali&amp;ser</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="126" />
        <source>&amp;Smooth Interpolation</source>
        <translation>Interpolation &amp;lissée</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="130" />
        <source>Overlay &amp;Text</source>
        <translation>&amp;Texte superposé</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="138" />
        <source>&amp;Window</source>
        <translation>&amp;Fenêtrage</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="141" />
        <source>&amp;Help</source>
        <translation>&amp;Aide</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="142" />
        <source>&amp;About Lightbox</source>
        <translation>À &amp;propos de Lightbox</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="143" />
        <source>About Lightbox</source>
        <translation>À propos de Lightbox</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="144" />
        <source>&lt;b&gt;Lightbox %1&lt;/b&gt;&lt;br&gt;Diagnostic radiology workstation.&lt;br&gt;Not for diagnostic use unless validated at your site.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="151" />
        <source>Tools</source>
        <translation>Outils</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="155" />
        <source>Window/Level</source>
        <translation>Fenêtrage</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="155" />
        <source>Pan</source>
        <translation>Déplacer</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="156" />
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="156" />
        <source>Scroll</source>
        <translation>Défiler</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="157" />
        <source>Magnifier</source>
        <translation>Loupe</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="168" />
        <source>Presets</source>
        <translation>Préréglages</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="172" />
        <source>Fit</source>
        <translation>Ajuster</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="173" />
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="174" />
        <source>Rotate</source>
        <translation>Pivoter</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="175" />
        <source>Flip</source>
        <translation>Miroir</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="176" />
        <source>Invert</source>
        <translation>Inverser</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="177" />
        <source>Reset</source>
        <translation>Réinitialiser</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="179" />
        <location filename="../app/main_window.cpp" line="183" />
        <source>Play</source>
        <translation>Lecture</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="183" />
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="188" />
        <source> fps</source>
        <translation> im/s</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="190" />
        <source>Cine rate</source>
        <translation>Cadence ciné</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="197" />
        <source>Series</source>
        <translation>Séries</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="208" />
        <source>Default (from the image)</source>
        <translation>Par défaut (de l’image)</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="214" />
        <source>Image window %1: W %2 L %3</source>
        <translation>Fenêtre de l’image %1 : L %2 N %3</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="224" />
        <source>VOI LUT %1</source>
        <translation>VOI LUT %1</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="236" />
        <source>%1: W %2 L %3</source>
        <translation>%1 : L %2 N %3</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="251" />
        <source>Reading %1…</source>
        <translation>Lecture de %1…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="251" />
        <source>%1 items</source>
        <translation>%1 éléments</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="266" />
        <source>Generating the demo study in %1…</source>
        <translation>Création de l’étude de démonstration dans %1…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="278" />
        <source>The demo study could not be written to %1</source>
        <translation>L’étude de démonstration n’a pas pu être écrite dans %1</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="288" />
        <source>Cancelled.</source>
        <translation>Annulé.</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="304" />
        <source> S%1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="306" />
        <source>(no description)</source>
        <translation>(sans description)</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="307" />
        <source>  [%1]</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <location filename="../app/main_window.cpp" line="310" />
        <source>%n series</source>
        <translation type="unfinished">
            <numerusform />
            <numerusform />
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../app/main_window.cpp" line="312" />
        <source>, %n file(s) not shown: </source>
        <translation type="unfinished">
            <numerusform />
            <numerusform />
        </translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="319" />
        <source>Lightbox — %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="339" />
        <source>%1 / %2</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>lightbox::viewer::ImageViewport</name>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="105" />
        <location filename="../viewer/image_viewport.cpp" line="140" />
        <source>Image %1: %2</source>
        <translation>Image %1 : %2</translation>
    </message>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="157" />
        <source>(detector)</source>
        <translation>(détecteur)</translation>
    </message>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="422" />
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="422" />
        <source>Cannot display this image:
%1</source>
        <translation>Impossible d’afficher cette image :
%1</translation>
    </message>
</context>
</TS>