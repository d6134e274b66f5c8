<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="de_DE">
<context>
    <name>Overlay</name>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="49" />
        <source>ID: %1</source>
        <translation>ID: %1</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="54" />
        <source>Born %1</source>
        <translation>Geb. %1</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="63" />
        <source>S%1 </source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="66" />
        <source>Im %1/%2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="67" />
        <source>  Fr %1/%2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="70" />
        <source>Loc %1 mm</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="76" />
        <source>Pos %1 mm</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="78" />
        <source>Thk %1 mm</source>
        <translation>SD %1 mm</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="79" />
        <source>Zoom %1%</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="82" />
        <source>VOI LUT %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="83" />
        <source>W %1  L %2</source>
        <translation>W %1  L %2</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="86" />
        <source>Inverted</source>
        <translation>Invertiert</translation>
    </message>
    <message>
        <location filename="../viewer/overlay_text.cpp" line="88" />
        <source>  LOSSY</source>
        <translation>  VERLUSTBEHAFTET</translation>
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
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="77" />
        <source>Open a file or folder (Ctrl+O, Ctrl+Shift+O), or the demo study.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="100" />
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="101" />
        <source>&amp;Open File…</source>
        <translation>Datei ö&amp;ffnen…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="102" />
        <source>Open DICOM files</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="105" />
        <source>Open &amp;Folder…</source>
        <translation>&amp;Ordner öffnen…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="106" />
        <source>Open a folder of DICOM files</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="109" />
        <source>Open &amp;Demo Study</source>
        <translation>&amp;Demo-Studie öffnen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="111" />
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="113" />
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="114" />
        <source>&amp;Fit to Window</source>
        <translation>An &amp;Fenster anpassen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="115" />
        <source>&amp;Actual Size (1:1)</source>
        <translation>&amp;Originalgröße (1:1)</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="116" />
        <source>Zoom &amp;In</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="117" />
        <source>Zoom &amp;Out</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="119" />
        <source>Rotate &amp;Right</source>
        <translation>Nach &amp;rechts drehen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="120" />
        <source>Rotate &amp;Left</source>
        <translation>Nach &amp;links drehen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="121" />
        <source>Flip &amp;Horizontally</source>
        <translation>&amp;Horizontal spiegeln</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="122" />
        <source>Flip &amp;Vertically</source>
        <translation>&amp;Vertikal spiegeln</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="123" />
        <source>&amp;Invert</source>
        <translation>&amp;Invertieren</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="124" />
        <source>Re&amp;set</source>
        <translation>&amp;Zurücksetzen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="126" />
        <source>&amp;Smooth Interpolation</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="130" />
        <source>Overlay &amp;Text</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="138" />
        <source>&amp;Window</source>
        <translation>&amp;Fensterung</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="141" />
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="142" />
        <source>&amp;About Lightbox</source>
        <translation>Ü&amp;ber Lightbox</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="143" />
        <source>About Lightbox</source>
        <translation>Über Lightbox</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="144" />
        <source>&lt;b&gt;Lightbox %1&lt;/b&gt;&lt;br&gt;Diagnostic radiology workstation.&lt;br&gt;Not for diagnostic use unless validated at your site.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="151" />
        <source>Tools</source>
        <translation>Werkzeuge</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="155" />
        <source>Window/Level</source>
        <translation>Fensterung</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="155" />
        <source>Pan</source>
        <translation>Verschieben</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="156" />
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="156" />
        <source>Scroll</source>
        <translation>Blättern</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="157" />
        <source>Magnifier</source>
        <translation>Lupe</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="168" />
        <source>Presets</source>
        <translation>Voreinstellungen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="172" />
        <source>Fit</source>
        <translation>Anpassen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="173" />
        <source>1:1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="174" />
        <source>Rotate</source>
        <translation>Drehen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="175" />
        <source>Flip</source>
        <translation>Spiegeln</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="176" />
        <source>Invert</source>
        <translation>Invertieren</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="177" />
        <source>Reset</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="179" />
        <location filename="../app/main_window.cpp" line="183" />
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="183" />
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="188" />
        <source> fps</source>
        <translation> B/s</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="190" />
        <source>Cine rate</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="197" />
        <source>Series</source>
        <translation>Serien</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="208" />
        <source>Default (from the image)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="214" />
        <source>Image window %1: W %2 L %3</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="224" />
        <source>VOI LUT %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="236" />
        <source>%1: W %2 L %3</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="251" />
        <source>Reading %1…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="251" />
        <source>%1 items</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="266" />
        <source>Generating the demo study in %1…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="278" />
        <source>The demo study could not be written to %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="288" />
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="304" />
        <source> S%1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="306" />
        <source>(no description)</source>
        <translation>(ohne Beschreibung)</translation>
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
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="157" />
        <source>(detector)</source>
        <translation>(Detektor)</translation>
    </message>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="422" />
        <source>Loading…</source>
        <translation>Laden…</translation>
    </message>
    <message>
        <location filename="../viewer/image_viewport.cpp" line="422" />
        <source>Cannot display this image:
%1</source>
        <translation type="unfinished" />
    </message>
</context>
</TS>