// Hanging protocols, table-driven, through `lightbox layout --json` and `lightbox protocols` on a
// real cache: real studies of ../shared/testdata and generated ones (copies of pydicom's small CT
// with the attributes protocols look at: CT with several series and priors, MR brain sequences,
// chest PA/lateral pairs with a prior, mammography four-view sets with priors, ultrasound), on 1,
// 2 and 3 screens. Each case names the protocol that must win and, viewport by viewport, what it
// must show (the series by its description, or the image by laterality and view), or that it stays
// empty; priors are checked for patient identity, date and relevance.
#include "study_writer.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

using namespace lightbox::test;


class HangingProtocolsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void layouts_data();
    void layouts();
    void priorsAreTheSamePatientsEarlierStudies();
    void mammogramsNeverGoToTheWrongSide();
    void screensFoldAndExtend();
    void stagesAndChosenProtocol();
    void userProtocolsReplaceAndBrokenOnesAreReported();
    void patientAgeRules();
    void errors();

private:
    QJsonObject layout(const QString& study, int screens, const QStringList& extra = {});
    // What a viewport shows, in words: "series DESCRIPTION" or "image LATERALITY VIEW", "empty".
    QString shown(const QJsonObject& viewport);
    QString add(const QString& key, const StudySpec& spec);

    QTemporaryDir m_tmp;
    QString m_cache, m_config;
    std::map<QString, QString> m_studies;  // key -> Study Instance UID
    std::map<QString, QString> m_seriesDescription;  // Series UID -> description
    std::map<QString, QString> m_image;              // SOP UID -> "R CC"
};

QString HangingProtocolsTest::add(const QString& key, const StudySpec& spec)
{
    QString error;
    const QString dir = m_tmp.path() + "/src/" + key;
    const QString uid = writeStudy(spec, dir, &error);
    if (uid.isEmpty()) return {};
    m_studies[key] = uid;
    return dir;
}

void HangingProtocolsTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cache = m_tmp.path() + "/cache";
    m_config = m_tmp.path() + "/config/lightbox.json";
    const QStringList lat{"L", "R", "L", "R"};
    const SeriesSpec scout{"Topogram 0.6 T20f", "CT", "", 1, {}, {}, "ORIGINAL\\PRIMARY\\LOCALIZER"};
    QStringList dirs;
    // CT chest with three series, three earlier chest CTs (one years ago), an MR, a later study,
    // and a stranger with the same patient ID but another birth date.
    dirs << add("ct", {"P-CT", "19600101", "20240310", "CT THORAX W CONTRAST", "CHEST",
                       {scout, {"Lung 1.0 B70f", "CT", "", 20}, {"Mediastinum 3.0 B30f", "CT", "", 20}}});
    dirs << add("ct-prior", {"P-CT", "19600101", "20230105", "CT THORAX", "CHEST", {{"Mediastinum 3.0 B30f", "CT", "", 20}, {"Lung 1.0 B70f", "CT", "", 20}}});
    dirs << add("ct-old", {"P-CT", "19600101", "20190720", "CT THORAX", "CHEST", {{"Mediastinum 5.0", "CT", "", 20}}});
    dirs << add("ct-other-part", {"P-CT", "19600101", "20231120", "CT ABDOMEN", "ABDOMEN", {{"Abdomen 3.0", "CT", "", 20}}});
    dirs << add("mr-prior", {"P-CT", "19600101", "20231201", "MR BRAIN", "HEAD", {{"t2_tse_tra", "MR", "", 3}}});
    dirs << add("ct-later", {"P-CT", "19600101", "20250101", "CT THORAX", "CHEST", {{"Mediastinum 3.0 B30f", "CT", "", 20}}});
    dirs << add("ct-stranger", {"P-CT", "19771231", "20231231", "CT THORAX", "CHEST", {{"Mediastinum 3.0 B30f", "CT", "", 20}}});
    // CT head and abdomen without priors.
    dirs << add("ct-head", {"P-HEAD", "19500505", "20240101", "CT HEAD WO", "HEAD", {{"Head 5.0 H40s", "CT", "", 20}, {"Head 2.0 H70h bone", "CT", "", 20}}});
    dirs << add("ct-abdomen", {"P-ABD", "19800808", "20240202", "CT ABDOMEN PELVIS", "ABDOMEN", {{"Portal venous 3.0", "CT", "", 20}}});
    // MR brain: T2 must not take the T2 FLAIR series.
    dirs << add("mr", {"P-MR", "19700303", "20240404", "MR BRAIN W/WO", "HEAD",
                       {{"t2_tirm_tra_dark-fluid (T2 FLAIR)", "MR", "", 3}, {"t1_se_tra", "MR", "", 3}, {"t2_tse_tra", "MR", "", 3},
                        {"ep2d_diff_3scan_trace", "MR", "", 3}}});
    // Chest radiographs: PA + lateral, and a prior pair (DX).
    dirs << add("cr", {"P-CR", "19900909", "20240505", "CHEST 2 VIEWS", "CHEST",
                       {{"Lateral", "CR", "", 1, {}, {"LL"}}, {"PA", "CR", "", 1, {}, {"PA"}}}});
    dirs << add("cr-prior", {"P-CR", "19900909", "20220505", "CHEST PA LAT", "CHEST", {{"Chest", "DX", "", 2, {}, {"PA", "LATERAL"}}}});
    // Mammography: four views in one series (current, order shuffled), and a prior with one image per series.
    dirs << add("mg", {"P-MG", "19650606", "20240606", "MAMMO SCREENING", "BREAST",
                       {{"Mammo", "MG", "", 4, {"L", "R", "R", "L"}, {"MLO", "CC", "MLO", "CC"}, "ORIGINAL\\PRIMARY"}}});
    dirs << add("mg-prior", {"P-MG", "19650606", "20220606", "MAMMO SCREENING", "BREAST",
                             {{"R CC", "MG", "", 1, {"R"}, {"CC"}, "ORIGINAL\\PRIMARY"}, {"L CC", "MG", "", 1, {"L"}, {"CC"}, "ORIGINAL\\PRIMARY"},
                              {"R MLO", "MG", "", 1, {"R"}, {"MLO"}, "ORIGINAL\\PRIMARY"}, {"L MLO", "MG", "", 1, {"L"}, {"MLO"}, "ORIGINAL\\PRIMARY"}}});
    // A current mammogram without its left MLO.
    dirs << add("mg-3", {"P-MG3", "19650606", "20240707", "MAMMO", "BREAST", {{"Mammo", "MG", "", 3, {"R", "L", "R"}, {"CC", "CC", "MLO"}, "ORIGINAL\\PRIMARY"}}});
    {
        StudySpec child{"P-CHILD", "", "20240909", "CHEST PA", "CHEST", {{"PA", "DX", "", 1, {}, {"PA"}}}};
        child.patientAge = "009Y";  // no birth date: the age as the study recorded it
        dirs << add("child", child);
    }
    dirs << add("us", {"P-US", "19850101", "20240808", "US ABDOMEN", "ABDOMEN", {{"Abdomen", "US", "", 6}}});
    for (const QString& d : dirs) QVERIFY2(!d.isEmpty(), "a study could not be written");
    // Real studies: the shared CT chest and an XA cine (no protocol of its own: generic).
    dirs << testDataDir() + "/ct/siemens-sensation10_chest_30sl";
    const ProcessResult r = run(lightboxExe(), QStringList{"import", "--cache", m_cache, "--quiet"} + dirs, 180000);
    QVERIFY2(r.ok(), r.err.constData());
    // The real CT's study UID and every series' description / image's laterality and view, from the cache.
    const ProcessResult studies = run(lightboxExe(), {"studies", "--cache", m_cache, "--patient-id", "*", "--limit", "100", "--json"});
    QVERIFY(studies.ok());
    for (const QJsonValue& v : QJsonDocument::fromJson(studies.out).array()) {
        const QJsonObject s = v.toObject();
        if (s["description"].toString().contains("Thorax^AThoraxRoutine")) m_studies["real-ct"] = s["studyInstanceUid"].toString();
    }
    QVERIFY(m_studies.count("real-ct"));
    for (const QString& f : filesUnder(m_tmp.path() + "/src")) {
        DcmFileFormat ff;
        QVERIFY(ff.loadFile(f.toStdString().c_str()).good());
        OFString series, desc, sop, lat, view;
        DcmDataset* d = ff.getDataset();
        d->findAndGetOFString(DCM_SeriesInstanceUID, series);
        d->findAndGetOFString(DCM_SeriesDescription, desc);
        d->findAndGetOFString(DCM_SOPInstanceUID, sop);
        d->findAndGetOFString(DCM_ImageLaterality, lat);
        d->findAndGetOFString(DCM_ViewPosition, view);
        m_seriesDescription[series.c_str()] = desc.c_str();
        m_image[sop.c_str()] = QString("%1 %2").arg(lat.c_str(), view.c_str()).trimmed();
    }
}

QJsonObject HangingProtocolsTest::layout(const QString& study, int screens, const QStringList& extra)
{
    const ProcessResult r = run(lightboxExe(), QStringList{"layout", study, "--screens", QString::number(screens), "--cache", m_cache, "--config", m_config,
                                                           "--json"} + extra);
    if (!r.ok()) qWarning("layout: %s", r.err.constData());
    return QJsonDocument::fromJson(r.out).object();
}

QString HangingProtocolsTest::shown(const QJsonObject& v)
{
    if (v["empty"].toBool()) return "empty";
    if (v.contains("sopInstanceUid")) return ("image " + m_image[v["sopInstanceUid"].toString()]).trimmed();
    return "series " + m_seriesDescription[v["seriesInstanceUid"].toString()];
}

void HangingProtocolsTest::layouts_data()
{
    QTest::addColumn<QString>("study");
    QTest::addColumn<int>("screens");
    QTest::addColumn<QString>("protocol");
    // Per screen, its viewports in order: "view: what it shows", joined by " | "; screens by " || ".
    QTest::addColumn<QString>("expected");
    QTest::newRow("CT chest, 2 screens") << "ct" << 2 << "CT chest"
                                         << "2d: series Mediastinum 3.0 B30f | 2d: series Lung 1.0 B70f || coronal: series Mediastinum 3.0 B30f | 2d: prior series Mediastinum 3.0 B30f";
    QTest::newRow("real CT chest, 1 screen") << "real-ct" << 1 << "CT chest"
                                             << "2d: series * | 2d: series * | coronal: series * | 2d: empty";
    QTest::newRow("CT head") << "ct-head" << 1 << "CT head" << "2d: series Head 5.0 H40s | 2d: series Head 2.0 H70h bone | coronal: series Head 5.0 H40s | 2d: empty";
    QTest::newRow("CT abdomen") << "ct-abdomen" << 2 << "CT abdomen"
                                << "2d: series Portal venous 3.0 | coronal: series Portal venous 3.0 || 2d: series Portal venous 3.0 | 2d: empty";
    QTest::newRow("MR brain") << "mr" << 2 << "MR brain"
                              << "2d: series t1_se_tra | 2d: series t2_tse_tra | 2d: series t2_tirm_tra_dark-fluid (T2 FLAIR) | 2d: series ep2d_diff_3scan_trace || 2d: empty | 2d: empty";
    QTest::newRow("chest PA and lateral with prior") << "cr" << 2 << "Chest radiograph"
                                                     << "2d: image PA | 2d: image LL || 2d: prior image PA | 2d: prior image LATERAL";
    QTest::newRow("mammography four-view with prior") << "mg" << 2 << "Mammography four-view"
                                                      << "2d: image R CC | 2d: image L CC | 2d: image R MLO | 2d: image L MLO || "
                                                         "2d: prior image R CC | 2d: prior image L CC | 2d: prior image R MLO | 2d: prior image L MLO";
    QTest::newRow("ultrasound") << "us" << 1 << "Ultrasound"
                                << "2d: image | 2d: image | 2d: image | 2d: image | 2d: image | 2d: image | 2d: empty | 2d: empty";
}

void HangingProtocolsTest::layouts()
{
    QFETCH(QString, study);
    QFETCH(int, screens);
    QFETCH(QString, protocol);
    QFETCH(QString, expected);
    QVERIFY(m_studies.count(study));
    const QString uid = m_studies[study];
    const QJsonObject l = layout(uid, screens);
    QCOMPARE(l["protocol"].toString(), protocol);
    QCOMPARE(l["stage"].toInt(), 1);
    const QJsonArray screenList = l["screens"].toArray();
    QCOMPARE(screenList.size(), screens);
    QStringList got;
    for (const QJsonValue& s : screenList) {
        QStringList vps;
        for (const QJsonValue& v : s.toObject()["viewports"].toArray()) {
            const QJsonObject o = v.toObject();
            const bool prior = !o["empty"].toBool() && o["studyInstanceUid"].toString() != uid;
            QString what = shown(o);
            if (what.startsWith("series ") && study.startsWith("real")) what = "series *";  // a real series: any description
            vps << o["view"].toString() + ": " + (prior ? "prior " : "") + what;
        }
        got << vps.join(" | ");
    }
    QCOMPARE(got.join(" || "), expected);
}

void HangingProtocolsTest::priorsAreTheSamePatientsEarlierStudies()
{
    const QJsonObject l = layout(m_studies["ct"], 2);
    const QJsonArray priors = l["priors"].toArray();
    // The most relevant prior: same modality and body part, most recent before the current study;
    // not the later study, not the stranger with the same ID, not the MR or the abdomen CT.
    QCOMPARE(priors.size(), 1);
    QCOMPARE(priors[0].toString(), m_studies["ct-prior"]);
    // Stage 2 compares lung windows: the prior's lung series.
    const QJsonObject s2 = layout(m_studies["ct"], 1, {"--stage", "2"});
    QCOMPARE(s2["stage"].toInt(), 2);
    const QJsonArray vps = s2["screens"].toArray()[0].toObject()["viewports"].toArray();
    QCOMPARE(vps[1].toObject()["studyInstanceUid"].toString(), m_studies["ct-prior"]);
    QCOMPARE(shown(vps[1].toObject()), QString("series Lung 1.0 B70f"));
    QCOMPARE(vps[1].toObject()["preset"].toString(), QString("Lung"));
    QCOMPARE(vps[0].toObject()["sync"].toString(), vps[1].toObject()["sync"].toString());
    // The oldest chest CT is nobody's first prior; an unrelated patient gets none.
    const QJsonObject head = layout(m_studies["ct-head"], 2);
    QCOMPARE(head["priors"].toArray().size(), 0);
}

void HangingProtocolsTest::mammogramsNeverGoToTheWrongSide()
{
    // The left MLO is missing: its viewport stays empty rather than showing another image.
    const QJsonObject l = layout(m_studies["mg-3"], 1);
    QCOMPARE(l["protocol"].toString(), QString("Mammography four-view"));
    const QJsonArray vps = l["screens"].toArray()[0].toObject()["viewports"].toArray();
    QStringList got;
    for (const QJsonValue& v : vps) got << shown(v.toObject());
    QCOMPARE(got.mid(0, 4).join(", "), QString("image R CC, image L CC, image R MLO, empty"));
    // Right images keep their chest wall at the viewport's right edge, left ones at the left: back to back.
    QCOMPARE(vps[0].toObject()["align"].toString(), QString("right"));
    QCOMPARE(vps[1].toObject()["align"].toString(), QString("left"));
    // No prior for this patient: the prior's viewports (folded onto the one screen) are empty.
    for (int i = 4; i < 8; ++i) QCOMPARE(shown(vps[i].toObject()), QString("empty"));
}

void HangingProtocolsTest::screensFoldAndExtend()
{
    // Mammography is written for two screens. On one: a 2x4 grid, prior to the right.
    const QJsonObject one = layout(m_studies["mg"], 1);
    QCOMPARE(one["screens"].toArray().size(), 1);
    const QJsonObject s = one["screens"].toArray()[0].toObject();
    QCOMPARE(s["rows"].toInt(), 2);
    QCOMPARE(s["columns"].toInt(), 4);
    const QJsonArray vps = s["viewports"].toArray();
    QCOMPARE(vps.size(), 8);
    QCOMPARE(vps[4].toObject()["column"].toInt(), 2);
    QCOMPARE(shown(vps[4].toObject()), QString("image R CC"));
    QVERIFY(vps[4].toObject()["studyInstanceUid"].toString() == m_studies["mg-prior"]);
    // On three: the third screen is left free (for the study list).
    const QJsonObject three = layout(m_studies["mg"], 3);
    QCOMPARE(three["screens"].toArray().size(), 3);
    QCOMPARE(three["screens"].toArray()[2].toObject()["viewports"].toArray().size(), 0);
    QCOMPARE(three["screens"].toArray()[1].toObject()["viewports"].toArray().size(), 4);
}

void HangingProtocolsTest::stagesAndChosenProtocol()
{
    // A protocol can be asked for by name; stages beyond the last are clamped.
    const QJsonObject g = layout(m_studies["ct"], 1, {"--protocol", "generic", "--stage", "9"});
    QCOMPARE(g["protocol"].toString(), QString("Generic"));
    QCOMPARE(g["stage"].toInt(), 1);
    QStringList got;
    for (const QJsonValue& v : g["screens"].toArray()[0].toObject()["viewports"].toArray()) got << shown(v.toObject());
    // The series in series-number order, the localizer included (the generic protocol shows all).
    QCOMPARE(got.join(", "), QString("series Topogram 0.6 T20f, series Lung 1.0 B70f, series Mediastinum 3.0 B30f, empty"));
}

void HangingProtocolsTest::userProtocolsReplaceAndBrokenOnesAreReported()
{
    const QString folder = QFileInfo(m_config).absolutePath() + "/protocols";
    QVERIFY(QDir().mkpath(folder));
    // The user's "CT chest": lung only, one viewport.
    QFile mine(folder + "/my-chest.json");
    QVERIFY(mine.open(QIODevice::WriteOnly));
    mine.write(R"({"name": "CT chest", "rules": [{"attribute": "modality", "op": "equals", "value": "CT", "required": true},
                  {"attribute": "studyDescription", "op": "contains", "value": "THORAX", "weight": 3}],
                  "displaySets": [{"name": "lung", "rules": [{"attribute": "seriesDescription", "op": "contains", "value": "lung"}]}],
                  "stages": [{"screens": [{"viewports": [{"row": 0, "column": 0, "displaySet": "lung", "preset": "Lung"}]}]}]})");
    mine.close();
    QFile broken(folder + "/broken.json");
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write(R"({"name": "Broken", "stages": [{"screens": [{"viewports": [{"displaySet": "nowhere"}]}]}]})");
    broken.close();
    const ProcessResult list = run(lightboxExe(), {"protocols", "--config", m_config, "--json"});
    QCOMPARE(list.exitCode, 1);  // a problem to report
    const QJsonObject o = QJsonDocument::fromJson(list.out).object();
    QCOMPARE(o["problems"].toArray().size(), 1);
    QVERIFY(o["problems"].toArray()[0].toString().contains("broken.json"));
    int chest = 0;
    for (const QJsonValue& p : o["protocols"].toArray())
        if (p.toObject()["name"].toString() == "CT chest") {
            ++chest;
            QVERIFY(p.toObject()["user"].toBool());
        }
    QCOMPARE(chest, 1);
    const QJsonObject l = layout(m_studies["ct"], 1);
    QCOMPARE(l["protocol"].toString(), QString("CT chest"));
    const QJsonArray vps = l["screens"].toArray()[0].toObject()["viewports"].toArray();
    QCOMPARE(vps.size(), 1);
    QCOMPARE(shown(vps[0].toObject()), QString("series Lung 1.0 B70f"));
    QVERIFY(QFile::remove(mine.fileName()));
    QVERIFY(QFile::remove(broken.fileName()));
}

void HangingProtocolsTest::patientAgeRules()
{
    const QString folder = QFileInfo(m_config).absolutePath() + "/protocols";
    QVERIFY(QDir().mkpath(folder));
    QFile f(folder + "/paediatric.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "Paediatric chest", "rules": [{"attribute": "modality", "op": "matches", "value": ["CR", "DX"], "required": true},
               {"attribute": "patientAge", "op": "between", "value": [0, 17], "required": true, "weight": 20}],
               "displaySets": [{"name": "any", "level": "image", "rules": []}],
               "stages": [{"screens": [{"viewports": [{"row": 0, "column": 0, "displaySet": "any"}]}]}]})");
    f.close();
    // 9 years old by Patient's Age (no birth date): the paediatric protocol; 33 by birth date: not.
    QCOMPARE(layout(m_studies["child"], 1)["protocol"].toString(), QString("Paediatric chest"));
    QCOMPARE(layout(m_studies["cr"], 1)["protocol"].toString(), QString("Chest radiograph"));
    QVERIFY(QFile::remove(f.fileName()));
}

void HangingProtocolsTest::errors()
{
    ProcessResult r = run(lightboxExe(), {"layout", "1.2.3.4.999", "--cache", m_cache});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("no study"));
    QCOMPARE(run(lightboxExe(), {"layout", m_studies["ct"], "--screens", "0", "--cache", m_cache}).exitCode, 2);
    QCOMPARE(run(lightboxExe(), {"layout", m_studies["ct"], "--protocol", "nope", "--cache", m_cache}).exitCode, 2);
    QCOMPARE(run(lightboxExe(), {"layout", "--cache", m_cache}).exitCode, 2);
}

QTEST_GUILESS_MAIN(HangingProtocolsTest)
#include "test_hanging_protocols.moc"
