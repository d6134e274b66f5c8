// One path for each job, within one process and through the command line: instances come in only
// through Cache::ingest (its checks refuse identifiers that are not UIDs), studies are opened through
// openStudy (a lease in the index that eviction and deletion honour; leases of dead processes and
// silent ones expire), deleted through one call that takes files, thumbnails, measurements and key
// images; nothing from the data becomes a path (DICOMDIR entries leading out of the medium,
// thumbnails); one laterality rule for the viewer and the index.
#include "test_support.h"

#include "annotation_store.h"
#include "cache.h"
#include "dicom_file.h"
#include "import_sources.h"
#include "instance_summary.h"
#include "key_images.h"
#include "receiver.h"
#include "study_open.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>

#include <sys/wait.h>
#include <unistd.h>

using namespace lightbox;
using namespace lightbox::storage;
using namespace lightbox::test;

namespace {

std::string str(const QString& s) { return s.toStdString(); }

QString ctSmall() { return pydicomTestFiles() + "/CT_small.dcm"; }

// A copy of CT_small with DCMTK's dcmodify arguments applied (the reference writer, not ours).
QString modifiedCopy(const QString& to, const QStringList& dcmodifyArgs)
{
    QDir().mkpath(QFileInfo(to).path());
    QFile::remove(to);
    if (!QFile::copy(ctSmall(), to)) return {};
    QFile(to).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    const ProcessResult r = run("dcmodify", QStringList{"-nb", "-imt"} + dcmodifyArgs + QStringList{to});
    return r.ok() ? to : QString();
}

}  // namespace

class OnePathTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void identifiersThatAreNotUidsAreRefused();
    void dicomdirEntriesLeadingOutAreRefused();
    void leasesHoldAgainstEvictionAndDeletion();
    void leasesOfDeadOrSilentProcessesExpire();
    void deleteTakesEverythingEvictionKeepsMeasurements();
    void thumbnailsAreNamedByDigest();
    void instancesStoredAlreadyMakeNoRoom();
    void oneLateralityRule_data();
    void oneLateralityRule();

private:
    std::unique_ptr<Cache> cache(const QString& name);
    QTemporaryDir m_tmp;
};

void OnePathTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QVERIFY2(QFile::exists(ctSmall()), qPrintable(ctSmall()));
    QVERIFY2(run("dcmodify", {"--version"}).ok(), "dcmodify (DCMTK) is needed");
}

std::unique_ptr<Cache> OnePathTest::cache(const QString& name)
{
    auto c = Cache::open(str(m_tmp.path() + "/" + name));
    return c ? std::move(*c) : nullptr;
}

void OnePathTest::identifiersThatAreNotUidsAreRefused()
{
    const QString dir = m_tmp.path() + "/bad-uids";
    const QString series = modifiedCopy(dir + "/series.dcm", {"-m", "(0020,000e)=../../x"});
    const QString study = modifiedCopy(dir + "/study.dcm", {"-m", "(0020,000d)=/etc/passwd", "-gin"});
    const QString sop = modifiedCopy(dir + "/sop.dcm", {"-m", "(0008,0018)=1.2.3.4\\..\\x"});
    const QString good = modifiedCopy(dir + "/good.dcm", {"-gin"});
    QVERIFY(!series.isEmpty() && !study.isEmpty() && !sop.isEmpty() && !good.isEmpty());
    const QString folder = m_tmp.path() + "/c-uids";
    const QStringList before = filesUnder(m_tmp.path());
    auto c = cache("c-uids");
    QVERIFY(c);
    const ImportReport r = c->import({str(series), str(study), str(sop), str(good)});
    QCOMPARE(r.imported, std::size_t(1));
    QCOMPARE(r.rejected.size(), std::size_t(3));
    for (const Problem& p : r.rejected) QVERIFY2(QString::fromStdString(p.reason).contains("is not a valid UID"), p.reason.c_str());
    // The reason names the attribute and shows the value as it is.
    bool named = false;
    for (const Problem& p : r.rejected) named = named || p.reason.find("Series Instance UID \"../../x\"") != std::string::npos;
    QVERIFY(named);
    // Nothing was written outside the cache folder.
    QStringList after = filesUnder(m_tmp.path());
    after.erase(std::remove_if(after.begin(), after.end(), [&](const QString& f) { return f.startsWith(folder + "/"); }), after.end());
    QCOMPARE(after, before);
    QCOMPARE(c->index().stats().instances, std::int64_t(1));
}

void OnePathTest::dicomdirEntriesLeadingOutAreRefused()
{
    // A medium with four images; three of its records are then pointed out of the medium: by ".."
    // components, by one component holding a path, and by an absolute path. A real DICOM file lies
    // where "A/../../B" leads.
    const QString media = m_tmp.path() + "/dicomdir/media", outside = m_tmp.path() + "/dicomdir/B";
    QVERIFY(QDir().mkpath(media + "/IMG") && QDir().mkpath(media + "/A"));
    for (int i = 1; i <= 4; ++i) QVERIFY(!modifiedCopy(media + QStringLiteral("/IMG/IMG%1").arg(i), {"-gin"}).isEmpty());
    QVERIFY(!modifiedCopy(outside, {"-gin", "-gst", "-gse"}).isEmpty());
    const ProcessResult mk = run("dcmmkdir", {"-Pgp", "--invent", "IMG/IMG1", "IMG/IMG2", "IMG/IMG3", "IMG/IMG4"}, 60000, media);
    QVERIFY2(mk.ok(), mk.err.constData());
    // Records: patient, study, series, then the four images.
    const QStringList bad{"A\\..\\..\\B", "A/../../B", outside};
    for (int i = 0; i < bad.size(); ++i) {
        const QString set = QStringLiteral("(0004,1220)[%1].(0004,1500)=%2").arg(4 + i).arg(bad[i]);
        QVERIFY2(run("dcmodify", {"-nb", "-m", set, media + "/DICOMDIR"}).ok(), qPrintable(set));
    }
    std::vector<SourceProblem> problems;
    const std::vector<std::string> listed = dicomdirReferencedFiles(str(media + "/DICOMDIR"), problems);
    QCOMPARE(listed.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(listed.front()), media + "/IMG/IMG1");
    QCOMPARE(problems.size(), std::size_t(3));
    for (const SourceProblem& p : problems) QVERIFY2(p.reason == "refused: the DICOMDIR names a file outside its folder", p.reason.c_str());

    // Imported: the file outside the medium never enters the cache; the refusals are reported.
    const ProcessResult r = run(lightboxExe(), {"import", "--cache", m_tmp.path() + "/c-dicomdir", "--quiet", media + "/DICOMDIR"});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(QString::fromUtf8(r.out).count("refused: the DICOMDIR names a file outside its folder"), 3);
    QVERIFY2(r.out.contains("imported 1, already present 0, rejected 3"), r.out.constData());
}

void OnePathTest::leasesHoldAgainstEvictionAndDeletion()
{
    auto c = cache("c-leases");
    QVERIFY(c);
    QCOMPARE(c->import({str(testDataDir() + "/ct/siemens-sensation10_chest_30sl"), str(ctSmall())}).studies.size(), std::size_t(2));
    auto keeper = LeaseKeeper::open(str(m_tmp.path() + "/c-leases"));
    QVERIFY(keeper.ok());
    StudyQuery all;
    auto studies = c->index().searchStudies(all);
    QVERIFY(studies.ok());
    QCOMPARE(studies->size(), std::size_t(2));
    const std::string shown = studies->at(0).studyUid, other = studies->at(1).studyUid;
    QVERIFY(!c->index().study(shown)->lastOpened);

    auto opened = openStudy(*c, **keeper, shown, "viewing");
    QVERIFY(opened.ok());
    QVERIFY(c->index().study(shown)->lastOpened > 0);  // "last opened" is recorded by the one way to open
    QCOMPARE(opened->files.size(), std::size_t(c->index().study(shown)->instanceCount));
    QCOMPARE(c->leases().heldStudies(), std::set<std::string>{shown});

    // Deletion is refused with the holder named; eviction to zero keeps it.
    const Status refused = c->deleteStudy(shown);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, std::string("in-use"));
    QVERIFY2(refused.error().message.find("(viewing)") != std::string::npos, refused.error().message.c_str());
    const EvictReport r = c->evict(0);
    QVERIFY(!r.targetReached);
    QCOMPARE(r.studies, std::vector<std::string>{other});
    QCOMPARE(r.held, std::vector<std::string>{shown});
    QVERIFY(c->index().study(shown));

    // Let go: the keeper releases it on its own thread; then it can go.
    opened = makeError("closed", "");
    QTRY_VERIFY_WITH_TIMEOUT(c->leases().heldStudies().empty(), 5000);
    QVERIFY(c->evict(0).targetReached);
    QVERIFY(!c->index().study(shown));
    // Opening a study that is not there says so and holds nothing.
    auto missing = openStudy(*c, **keeper, shown, "viewing");
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, std::string("not-found"));
    QTRY_VERIFY_WITH_TIMEOUT(c->leases().live().empty(), 5000);
}

void OnePathTest::leasesOfDeadOrSilentProcessesExpire()
{
    auto c = cache("c-expiry");
    QVERIFY(c);
    auto insert = [&](const std::string& study, const std::string& host, std::int64_t pid, std::int64_t heartbeat) {
        auto st = c->database().prepare(
            "INSERT INTO study_leases (study_uid, host, pid, process_start, purpose, acquired_at, heartbeat_at) VALUES (?, ?, ?, 0, 'reading', ?, ?)");
        QVERIFY(st.ok());
        st->bind(1, study).bind(2, host).bind(3, pid).bind(4, heartbeat).bind(5, heartbeat);
        QVERIFY(st->run().ok());
    };
    const std::string here = ProcessIdentity::self().host;
    // A process of this machine that no longer runs: a child that has exited and been reaped.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    QVERIFY(child > 0);
    QCOMPARE(::waitpid(child, nullptr, 0), child);
    insert("1.1", here, std::int64_t(child), nowMs());
    // Another machine sharing the cache: its heartbeat decides.
    insert("1.2", "elsewhere.example", 4242, nowMs());
    insert("1.3", "elsewhere.example", 4243, nowMs() - kLeaseTtlMs - 1000);
    // A live process of this machine (its parent, the test runner) with a fresh heartbeat, and one
    // that stopped renewing long ago.
    insert("1.4", here, std::int64_t(::getppid()), nowMs());
    insert("1.5", here, std::int64_t(::getppid()), nowMs() - kLeaseTtlMs - 1000);
    QCOMPARE(c->leases().heldStudies(), (std::set<std::string>{"1.2", "1.4"}));
    // Dead leases are removed as they are found.
    auto count = c->database().prepare("SELECT count(*) FROM study_leases");
    QVERIFY(count.ok() && count->step());
    QCOMPARE(count->integer(0), std::int64_t(2));
}

void OnePathTest::deleteTakesEverythingEvictionKeepsMeasurements()
{
    const QString dir = m_tmp.path() + "/c-delete";
    auto c = cache("c-delete");
    QVERIFY(c);
    const ImportReport imported = c->import({str(testDataDir() + "/ct/siemens-sensation10_chest_30sl"), str(ctSmall())});
    QCOMPARE(imported.studies.size(), std::size_t(2));
    std::vector<std::string> studies(imported.studies.begin(), imported.studies.end());
    // A measurement, a key image and a thumbnail for each study.
    for (const std::string& s : studies) {
        const std::vector<InstanceRow> rows = c->index().instancesOfStudy(s);
        AnnotationRow a;
        a.id = "m-" + s;
        a.studyUid = s;
        a.seriesUid = rows.front().seriesUid;
        a.sopInstanceUid = rows.front().sopInstanceUid;
        a.kind = "length";
        a.data = "{}";
        QVERIFY(saveAnnotation(c->database(), a).ok());
        QVERIFY(setKeyImage(c->database(), s, rows.front().seriesUid, {rows.front().sopInstanceUid, 0}, true).ok());
        const QString thumb = QString::fromStdString(c->store().thumbnailPath(rows.front().seriesUid, 48));
        QVERIFY(QDir().mkpath(QFileInfo(thumb).path()));
        QFile f(thumb);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write("png") == 3);
    }
    const std::string deleted = studies[0], evicted = studies[1];
    const auto files = [&](const std::string& s) {
        QStringList out;
        for (const auto& [path, row] : c->studyFiles(s)) out << QString::fromStdString(path);
        return out;
    };
    const QStringList deletedFiles = files(deleted), evictedFiles = files(evicted);

    // The command line's delete is the one way: files, thumbnails, measurements, key images.
    const ProcessResult r = run(lightboxExe(), {"cache", "delete", QString::fromStdString(deleted), "--cache", dir});
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY(!c->index().study(deleted));
    for (const QString& f : deletedFiles) QVERIFY2(!QFile::exists(f), qPrintable(f));
    QVERIFY(studyAnnotations(c->database(), deleted)->empty());
    QVERIFY(keyImagesOf(c->database(), deleted)->empty());
    QCOMPARE(QDir(dir + "/thumbs").entryList(QDir::Files).size(), 1);

    // Eviction takes the images and thumbnails and keeps the reader's measurements and key images.
    QVERIFY(c->evict(0).targetReached);
    for (const QString& f : evictedFiles) QVERIFY2(!QFile::exists(f), qPrintable(f));
    QVERIFY(QDir(dir + "/thumbs").entryList(QDir::Files).isEmpty());
    QCOMPARE(studyAnnotations(c->database(), evicted)->size(), std::size_t(2));
    QCOMPARE(keyImagesOf(c->database(), evicted)->size(), std::size_t(1));
    QVERIFY(c->verify().ok());
    QVERIFY(c->verify().orphans.empty());
}

void OnePathTest::thumbnailsAreNamedByDigest()
{
    auto c = cache("c-thumbs");
    QVERIFY(c);
    const std::string series = "1.2.840.113619.2.1.1.322987881.621.736170080.681";
    const QString path = QString::fromStdString(c->store().thumbnailPath(series, 48));
    // sha1 of the UID in hex, computed by an independent implementation.
    const QString digest = QCryptographicHash::hash(QByteArray::fromStdString(series), QCryptographicHash::Sha1).toHex();
    QCOMPARE(QFileInfo(path).fileName(), digest + "-48.png");
    QCOMPARE(QFileInfo(path).path(), m_tmp.path() + "/c-thumbs/thumbs");
}

void OnePathTest::instancesStoredAlreadyMakeNoRoom()
{
    // Two studies filling the quota exactly; the older is received again whole (an archive or a
    // modality sending it twice): nothing new arrives, so nothing may be evicted for it.
    const QString dir = m_tmp.path() + "/c-resend";
    auto c = cache("c-resend");
    QVERIFY(c);
    const QStringList ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    QCOMPARE(c->import({str(testDataDir() + "/ct/siemens-sensation10_chest_30sl")}).imported, std::size_t(30));
    QCOMPARE(c->import({str(ctSmall())}).imported, std::size_t(1));
    Quota q;
    q.maxBytes = c->index().stats().bytes;
    q.minFreeBytes = 0;
    QVERIFY(c->setQuota(q).ok());
    auto receive = [&](const QStringList& files) {
        auto receiver = Receiver::open(str(dir), "test");
        if (!receiver) return ReceiverCounters{};
        const QString incoming = QString::fromStdString((*receiver)->incomingFolder());
        int n = 0;
        for (const QString& f : files) {
            const QString copy = incoming + QStringLiteral("/%1.dcm").arg(++n);
            if (QFile::copy(f, copy)) (*receiver)->submit(str(copy));
        }
        (*receiver)->flush();
        return (*receiver)->counters();
    };
    const ReceiverCounters again = receive(ct);
    QCOMPARE(again.alreadyPresent, std::size_t(30));
    QCOMPARE(c->index().stats().studies, std::int64_t(2));
    // One new instance more than the quota holds: now the least recently used study goes.
    const ReceiverCounters fresh = receive({modifiedCopy(m_tmp.path() + "/resend/new.dcm", {"-gin", "-gst", "-gse"})});
    QCOMPARE(fresh.stored, std::size_t(1));
    QVERIFY(c->index().stats().bytes <= q.maxBytes);
    QVERIFY(c->verify().ok());
}

void OnePathTest::oneLateralityRule_data()
{
    QTest::addColumn<QStringList>("dcmodify");
    QTest::addColumn<QString>("image");   // expected laterality of the image
    QTest::addColumn<QString>("series");  // expected laterality of the series row
    QTest::newRow("Image Laterality only") << QStringList{"-i", "(0020,0062)=L"} << "L" << "L";
    QTest::newRow("Laterality (series) only") << QStringList{"-i", "(0020,0060)=R"} << "R" << "R";
    QTest::newRow("both: the image's wins for the image") << QStringList{"-i", "(0020,0060)=R", "-i", "(0020,0062)=L"} << "L" << "R";
    QTest::newRow("lower case") << QStringList{"-i", "(0020,0062)=r"} << "R" << "R";
    QTest::newRow("enhanced: Frame Laterality") << QStringList{"-i", "(5200,9229)[0].(0020,9071)[0].(0020,9072)=B"} << "B" << "B";
    QTest::newRow("none") << QStringList{} << "" << "";
}

void OnePathTest::oneLateralityRule()
{
    QFETCH(QStringList, dcmodify);
    QFETCH(QString, image);
    QFETCH(QString, series);
    const QString file = modifiedCopy(m_tmp.path() + "/laterality/" + QTest::currentDataTag() + ".dcm",
                                      QStringList{"-e", "(0020,0060)", "-e", "(0020,0062)", "-gin", "-gse", "-gst"} + dcmodify);
    QVERIFY(!file.isEmpty());
    // What the viewer reads...
    auto parsed = DicomFile::open(str(file));
    QVERIFY(parsed.ok());
    QCOMPARE(QString::fromStdString(summarize(**parsed).laterality), image);
    // ...is what the index (and so the hanging protocols) keeps.
    auto c = cache("c-laterality");
    QVERIFY(c);
    const ImportReport r = c->import({str(file)});
    QCOMPARE(r.imported, std::size_t(1));
    const std::string studyUid = *r.studies.begin();
    QCOMPARE(QString::fromStdString(c->index().instancesOfStudy(studyUid).front().laterality), image);
    QCOMPARE(QString::fromStdString(c->index().seriesOf(studyUid).front().laterality), series);
}

QTEST_GUILESS_MAIN(OnePathTest)
#include "test_one_path.moc"
