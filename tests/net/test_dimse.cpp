// DIMSE against a real Orthanc started by the test on loopback (and DCMTK's tools as peers of the
// storage listener): C-ECHO, C-FIND at every level in both models with UTF-8 decoding and limits,
// C-GET and C-MOVE of the 30-slice CT, of series in four compressed transfer syntaxes and of the
// multi-frame files, each instance landing in the cache with Pixel Data byte-identical to the
// original; C-STORE to Orthanc; the storage listener receiving from storescu and refusing a wrong
// AE title; clear errors for a wrong AE title and an unknown move destination.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include "dimse_echo.h"
#include "dimse_find.h"
#include "dimse_retrieve.h"
#include "dimse_store.h"
#include "receiver.h"
#include "receiver_sink.h"
#include "storage_listener.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

class DimseTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void echo();
    void wrongCalledAeTitleIsNamed();
    void findAtEveryLevel();
    void findDecodesCharacterSetsAndStopsAtTheLimit();
    void getCtStudyByteIdentical();
    void getCompressedSeriesKeepTheirSyntax();
    void moveMultiframeToTheListener();
    void moveToAnUnknownDestination();
    void storeToTheArchive();
    void listenerServesDcmtkTools();

private:
    net::DicomPeer peer() const;
    // Every instance of a study in the cache: SOP Instance UID -> file.
    QMap<QString, QString> cached(const QString& studyUid);
    void expectIdentical(const QStringList& originals, const QString& studyUid);

    QTemporaryDir m_tmp;
    QString m_cacheDir;
    std::unique_ptr<storage::Receiver> m_receiver;
    std::unique_ptr<app::ReceiverSink> m_sink;
    std::unique_ptr<net::StorageListener> m_listener;
    std::unique_ptr<OrthancServer> m_orthanc;
    int m_listenerPort = 0;
    QStringList m_ct, m_compressed, m_multiframe;
    QString m_ctStudy, m_compressedStudy, m_multiframeStudy;
};

void DimseTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cacheDir = m_tmp.path() + "/cache";
    auto r = storage::Receiver::open(m_cacheDir.toStdString(), "dimse:test");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    m_receiver = std::move(*r);
    m_sink = std::make_unique<app::ReceiverSink>(*m_receiver);
    m_listenerPort = freePort();
    net::ListenerOptions lo;
    lo.aeTitle = "LIGHTBOX";
    lo.port = m_listenerPort;
    // Orthanc (C-MOVE results) and DCMTK's tools on this machine are the known peers.
    for (const char* ae : {"ORTHANC", "STORESCU", "DCMSEND", "ECHOSCU", "MODALITY"}) lo.peers.push_back({ae, ae, {"127.0.0.1"}});
    m_listener = std::make_unique<net::StorageListener>(lo, *m_sink);
    auto started = m_listener->start();
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());

    OrthancOptions oo;
    oo.lightboxPort = m_listenerPort;
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));

    // The CT as it is; the four compressed encodings of one MR series as four series of one
    // study (new UIDs, same bytes); the multi-frame files in a study of their own.
    m_ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    m_ctStudy = "1.3.6.1.4.1.14519.5.2.1.6655.2359.113183458853166183425024219624";
    m_compressedStudy = newUid();
    for (const char* codec : {"jpeg-ls", "jpeg2000", "jpeg-lossless", "rle"})
        m_compressed += copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_" + codec),
                                        m_tmp.path() + "/compressed/" + codec, m_compressedStudy, "LB-COMPRESSED");
    QCOMPARE(m_compressed.size(), 16);
    m_multiframeStudy = newUid();
    QStringList mf{testDataDir() + "/multiframe/enhanced-mr_philips-achieva-dstream_64fr.dcm", testDataDir() + "/multiframe/xa_cine_jpeg-baseline_96fr.dcm"};
    mf += filesUnder(testDataDir() + "/multiframe/enhanced-mr_siemens-vida-xa10");
    m_multiframe = copyWithNewUids(mf, m_tmp.path() + "/multiframe", m_multiframeStudy, "LB-MULTIFRAME");
    QCOMPARE(m_multiframe.size(), mf.size());
    QCOMPARE(m_orthanc->upload(m_ct + m_compressed + m_multiframe, &error), int(m_ct.size() + m_compressed.size() + m_multiframe.size()));
    // The real CT study UID, for the record.
    const auto studies = net::find(peer(), {net::QueryLevel::Study, net::QueryModel::StudyRoot, {{tags::PatientID, "Lung_Dx-A0002"}, {tags::StudyInstanceUID, ""}}});
    QVERIFY(studies.ok() && studies->results.size() == 1);
    m_ctStudy = QString::fromStdString(studies->results.front().at(tags::StudyInstanceUID));
}

void DimseTest::cleanupTestCase()
{
    if (m_listener) m_listener->stop();
    m_receiver.reset();
    if (m_orthanc) m_orthanc->stop();
}

net::DicomPeer DimseTest::peer() const
{
    net::DicomPeer p;
    p.host = "127.0.0.1";
    p.port = m_orthanc->dicomPort();
    p.calledAeTitle = "ORTHANC";
    p.callingAeTitle = "LIGHTBOX";
    p.timeoutSeconds = 20;
    return p;
}

QMap<QString, QString> DimseTest::cached(const QString& studyUid) { return cachedInstances(m_cacheDir, studyUid); }

void DimseTest::expectIdentical(const QStringList& originals, const QString& studyUid)
{
    QVERIFY(m_receiver->flush().ok());
    const auto files = cached(studyUid);
    QCOMPARE(files.size(), originals.size());
    for (const QString& o : originals) {
        const QString sop = sopInstanceUid(o);
        QVERIFY2(files.contains(sop), qPrintable(o));
        const QByteArray a = pixelDataBytes(o), b = pixelDataBytes(files[sop]);
        QVERIFY2(!a.isEmpty() && a == b, qPrintable(QStringLiteral("%1: %2 vs %3 bytes").arg(o).arg(a.size()).arg(b.size())));
    }
}

void DimseTest::echo()
{
    auto r = net::echo(peer());
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
}

void DimseTest::wrongCalledAeTitleIsNamed()
{
    net::DicomPeer p = peer();
    p.calledAeTitle = "NOT-ORTHANC";
    auto r = net::echo(p);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, std::string("rejected"));
    QVERIFY2(QString::fromStdString(r.error().message).contains("NOT-ORTHANC"), r.error().message.c_str());
}

void DimseTest::findAtEveryLevel()
{
    // Patient root, patient level.
    auto patients = net::find(peer(), {net::QueryLevel::Patient, net::QueryModel::PatientRoot, {{tags::PatientID, "LB-*"}, {tags::PatientName, ""}}});
    QVERIFY2(patients.ok(), patients.ok() ? "" : patients.error().message.c_str());
    QCOMPARE(patients->results.size(), size_t(2));
    // Study root, study level, by patient ID: one study with its modalities and counts.
    auto studies = net::find(peer(), {net::QueryLevel::Study, net::QueryModel::StudyRoot,
                                      {{tags::PatientID, "LB-COMPRESSED"}, {tags::StudyInstanceUID, ""}, {tags::ModalitiesInStudy, ""},
                                       {tags::NumberOfStudyRelatedInstances, ""}}});
    QVERIFY(studies.ok());
    QCOMPARE(studies->results.size(), size_t(1));
    QCOMPARE(QString::fromStdString(studies->results[0][tags::StudyInstanceUID]), m_compressedStudy);
    QCOMPARE(studies->results[0][tags::NumberOfStudyRelatedInstances], std::string("16"));
    QCOMPARE(studies->results[0][tags::ModalitiesInStudy], std::string("MR"));
    // Series level: four series of four.
    auto series = net::find(peer(), {net::QueryLevel::Series, net::QueryModel::StudyRoot,
                                     {{tags::StudyInstanceUID, m_compressedStudy.toStdString()}, {tags::SeriesInstanceUID, ""}, {tags::NumberOfSeriesRelatedInstances, ""}}});
    QVERIFY(series.ok());
    QCOMPARE(series->results.size(), size_t(4));
    for (const auto& s : series->results) QCOMPARE(s.at(tags::NumberOfSeriesRelatedInstances), std::string("4"));
    // Image level in the patient-root model: the CT's 30 instances with their SOP classes.
    auto images = net::find(peer(), {net::QueryLevel::Image, net::QueryModel::PatientRoot,
                                     {{tags::PatientID, "Lung_Dx-A0002"}, {tags::StudyInstanceUID, m_ctStudy.toStdString()}, {tags::SeriesInstanceUID, ""},
                                      {tags::SOPInstanceUID, ""}, {tags::SOPClassUID, ""}}});
    QVERIFY2(images.ok(), images.ok() ? "" : images.error().message.c_str());
    QCOMPARE(images->results.size(), size_t(30));
    for (const auto& i : images->results) QCOMPARE(i.at(tags::SOPClassUID), std::string("1.2.840.10008.5.1.4.1.1.2"));
    // The study-root model has no patient level.
    QVERIFY(!net::find(peer(), {net::QueryLevel::Patient, net::QueryModel::StudyRoot, {}}).ok());
}

void DimseTest::findDecodesCharacterSetsAndStopsAtTheLimit()
{
    // A Latin-1 name (ISO_IR 100 in the file) comes back as UTF-8, matched case-insensitively.
    const QString latin = m_tmp.path() + "/latin1.dcm";
    QVERIFY(writeWithName(m_ct.front(), latin, "ISO_IR 100", QByteArray("M\xfcller^J\xfcrgen"), "LB-LATIN1"));
    QCOMPARE(m_orthanc->upload({latin}), 1);
    auto r = net::find(peer(), {net::QueryLevel::Study, net::QueryModel::StudyRoot, {{tags::PatientID, "LB-LATIN1"}, {tags::PatientName, ""}}});
    QVERIFY(r.ok());
    QCOMPARE(r->results.size(), size_t(1));
    QCOMPARE(QString::fromStdString(r->results[0][tags::PatientName]), QString::fromUtf8("Müller^Jürgen"));
    // A limit cancels the query once reached.
    net::FindQuery q{net::QueryLevel::Image, net::QueryModel::StudyRoot, {{tags::StudyInstanceUID, m_ctStudy.toStdString()}, {tags::SeriesInstanceUID, ""}, {tags::SOPInstanceUID, ""}}};
    q.limit = 5;
    auto limited = net::find(peer(), q);
    QVERIFY(limited.ok());
    QCOMPARE(limited->results.size(), size_t(5));
    QVERIFY(limited->truncated);
    // The association after a cancel is gone, not the archive: the next query works.
    QVERIFY(net::echo(peer()).ok());
}

void DimseTest::getCtStudyByteIdentical()
{
    net::RetrieveRequest rq;
    rq.studyUid = m_ctStudy.toStdString();
    rq.sopClasses = {"1.2.840.10008.5.1.4.1.1.2"};
    int progressCalls = 0;
    auto r = net::getInstances(peer(), rq, *m_sink, [&](const net::RetrieveProgress&) { ++progressCalls; });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->received, 30);
    QCOMPARE(r->completed, 30);
    QVERIFY(r->success());
    QVERIFY(progressCalls >= 30);
    expectIdentical(m_ct, m_ctStudy);
}

void DimseTest::getCompressedSeriesKeepTheirSyntax()
{
    // Without knowing the SOP classes beforehand (the common storage classes are offered).
    net::RetrieveRequest rq;
    rq.studyUid = m_compressedStudy.toStdString();
    auto r = net::getInstances(peer(), rq, *m_sink);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->received, 16);
    expectIdentical(m_compressed, m_compressedStudy);
    // The transfer syntax of each copy, read by dcmdump, is its series' compressed syntax, as the
    // original's is (a failing or missing dcmdump fails here, it does not compare empty with empty).
    const auto files = cached(m_compressedStudy);
    int checked = 0;
    for (const QString& o : m_compressed) {
        const QString codec = QFileInfo(o).dir().dirName();
        const QString expected = compressedSeriesSyntax(codec);
        QVERIFY2(!expected.isEmpty(), qPrintable(o));
        QString error;
        const QString original = transferSyntaxByDcmdump(o, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(original, expected);
        QVERIFY2(files.contains(sopInstanceUid(o)), qPrintable(o));
        const QString copy = transferSyntaxByDcmdump(files[sopInstanceUid(o)], &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(copy, expected);
        ++checked;
    }
    QCOMPARE(checked, 16);
}

void DimseTest::moveMultiframeToTheListener()
{
    net::RetrieveRequest rq;
    rq.studyUid = m_multiframeStudy.toStdString();
    const std::size_t before = m_listener->stats().instances;
    auto r = net::moveInstances(peer(), rq, "LIGHTBOX");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->completed, int(m_multiframe.size()));
    QVERIFY(r->success());
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->stats().instances - before, std::size_t(m_multiframe.size()), 5000);
    expectIdentical(m_multiframe, m_multiframeStudy);
    // Series level with a UID list, after deleting them from the cache: comes back.
}

void DimseTest::moveToAnUnknownDestination()
{
    net::RetrieveRequest rq;
    rq.studyUid = m_ctStudy.toStdString();
    auto r = net::moveInstances(peer(), rq, "NOBODY");
    QVERIFY(!r.ok());
    // Orthanc answers "unable to process" rather than "move destination unknown": either way the
    // message names the destination and what to check.
    QVERIFY(r.error().code == "move-destination" || r.error().code == "move-failed");
    QVERIFY2(QString::fromStdString(r.error().message).contains("NOBODY"), r.error().message.c_str());
}

void DimseTest::storeToTheArchive()
{
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls") +
                                                  filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl"),
                                              m_tmp.path() + "/tosend", study, "LB-SENT");
    QCOMPARE(files.size(), 28);
    const int before = m_orthanc->instanceCount();
    int last = 0;
    auto r = net::sendFiles(peer(), std::vector<std::string>([&] {
                                std::vector<std::string> v;
                                for (const QString& f : files) v.push_back(f.toStdString());
                                return v;
                            }()),
                            [&](int done, int) { last = done; });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->sent, 28);
    QVERIFY(r->complete());
    QCOMPARE(last, 28);
    QCOMPARE(m_orthanc->instanceCount(), before + 28);
    // Orthanc holds the JPEG-LS ones as JPEG-LS, byte for byte.
    for (const QString& f : files.mid(0, 4)) QCOMPARE(pixelDataBytes(f), [&] {
            const QString copy = m_tmp.path() + "/fromorthanc.dcm";
            QFile out(copy);
            out.open(QIODevice::WriteOnly);
            out.write(m_orthanc->instanceFile(sopInstanceUid(f)));
            out.close();
            return pixelDataBytes(copy);
        }());
}

void DimseTest::listenerServesDcmtkTools()
{
    // echoscu and storescu (a modality) to Lightbox's AE title: stored in the cache.
    ProcessResult e = run("echoscu", {"-aet", "MODALITY", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_listenerPort)});
    QVERIFY2(e.ok(), e.err.constData());
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl"), m_tmp.path() + "/modality", study);
    ProcessResult s = run("storescu", QStringList{"-aet", "MODALITY", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_listenerPort)} + files);
    QVERIFY2(s.ok(), s.err.constData());
    // A sender hears "success" only once the instance is in the cache: nothing to wait for.
    QCOMPARE(cachedInstances(m_cacheDir, study).size(), files.size());
    expectIdentical(files, study);
    // An object the cache cannot index (no Study Instance UID) is refused, not acknowledged.
    const QString broken = m_tmp.path() + "/no-study-uid.dcm";
    QVERIFY(QFile::copy(files.front(), broken));
    QVERIFY(run("dcmodify", {"-nb", "-ea", "(0020,000d)", broken}).ok());
    QVERIFY(run("dcmodify", {"-nb", "-ma", "(0008,0018)=" + newUid(), broken}).ok());
    const std::size_t failedBefore = m_listener->stats().failed;
    ProcessResult refused = run("storescu", {"-aet", "MODALITY", "-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_listenerPort), broken});
    QVERIFY2(refused.err.contains("Error: Cannot understand") || refused.out.contains("Error: Cannot understand") || !refused.ok(),
             (refused.out + refused.err).constData());
    QTRY_COMPARE_WITH_TIMEOUT(m_listener->stats().failed, failedBefore + 1, 5000);
    // Another called AE title is refused.
    ProcessResult wrong = run("echoscu", {"-aet", "MODALITY", "-aec", "SOMEONE", "127.0.0.1", QString::number(m_listenerPort)});
    QVERIFY(!wrong.ok());
    QTRY_VERIFY_WITH_TIMEOUT(m_listener->stats().rejected >= 1, 5000);  // counted once the association is torn down
}

QTEST_GUILESS_MAIN(DimseTest)
#include "test_dimse.moc"
