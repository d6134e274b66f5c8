// The named pipe DCMTK writes received data sets into (netclient/piped_file.h): what a writer puts
// in arrives whole in the IncomingFile; a pipe nobody opened ends at once; a file that cannot take
// the bytes (disk full) never blocks the writer, and the error is reported with nothing left over.
#include "piped_file.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

using namespace lightbox;
using namespace lightbox::net;

namespace {

// Keeps what it is given in memory; refuses every write after `room` bytes, as a full disk would.
class MemoryFile : public IncomingFile {
public:
    MemoryFile(QByteArray* kept, std::size_t room = std::size_t(-1)) : m_kept(kept), m_room(room) {}
    Status write(const void* data, std::size_t size) override
    {
        if (std::size_t(m_kept->size()) + size > m_room) return makeError("disk-full", "No space left on device");
        m_kept->append(static_cast<const char*>(data), qsizetype(size));
        return Done{};
    }
    Result<std::string> finish() override { return std::string("memory"); }

private:
    QByteArray* m_kept;
    std::size_t m_room;
};

// Writes `bytes` to `path` as DCMTK does (opens it for writing, writes, closes).
bool writeThrough(const std::string& path, const QByteArray& bytes)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    qsizetype at = 0;
    while (at < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + at, std::size_t(bytes.size() - at));
        if (n <= 0) break;
        at += n;
    }
    return ::close(fd) == 0 && at == bytes.size();
}

QByteArray randomBytes(int size)
{
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator rng(7);
    for (char& c : b) c = char(rng.generate());
    return b;
}

QStringList entries(const QString& folder) { return QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System); }

}  // namespace

class PipedFileTest : public QObject {
    Q_OBJECT

private slots:
    void whatIsWrittenArrivesWhole();
    void aPipeNobodyOpenedEndsAtOnce();
    void aFullDiskNeverBlocksTheWriter();
};

void PipedFileTest::whatIsWrittenArrivesWhole()
{
    QTemporaryDir dir;
    const std::string folder = dir.path().toStdString();
    QByteArray kept;
    auto pipe = PipedFile::open(folder, std::make_unique<MemoryFile>(&kept));
    QVERIFY2(pipe, pipe ? "" : pipe.error().message.c_str());
    struct stat st {};
    QVERIFY(::stat((*pipe)->path().c_str(), &st) == 0 && S_ISFIFO(st.st_mode));
    const QByteArray sent = randomBytes(5 << 20);  // far more than a pipe's buffer
    QVERIFY(writeThrough((*pipe)->path(), sent));
    auto done = (*pipe)->finish(true);
    QVERIFY2(done, done ? "" : done.error().message.c_str());
    QCOMPARE(*done, std::string("memory"));
    QVERIFY(kept == sent);
    QVERIFY(entries(dir.path()).isEmpty());  // the pipe is gone
}

void PipedFileTest::aPipeNobodyOpenedEndsAtOnce()
{
    QTemporaryDir dir;
    const std::string folder = dir.path().toStdString();
    QByteArray kept;
    auto pipe = PipedFile::open(folder, std::make_unique<MemoryFile>(&kept));
    QVERIFY(pipe);
    QElapsedTimer t;
    t.start();
    auto done = (*pipe)->finish(true);  // a transfer that failed before DCMTK opened the pipe
    QVERIFY(!done);
    QCOMPARE(done.error().message, std::string("nothing was received"));
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QVERIFY(entries(dir.path()).isEmpty());  // the pipe is gone
}

void PipedFileTest::aFullDiskNeverBlocksTheWriter()
{
    QTemporaryDir dir;
    const std::string folder = dir.path().toStdString();
    QByteArray kept;
    auto pipe = PipedFile::open(folder, std::make_unique<MemoryFile>(&kept, 256 * 1024));
    QVERIFY(pipe);
    const QByteArray sent = randomBytes(4 << 20);
    // The writer must come back: the pipe is drained though nothing more can be written.
    auto finished = std::make_shared<std::atomic<int>>(0);  // 1 wrote everything, 2 failed
    const std::string path = (*pipe)->path();
    std::thread writer([finished, path, sent] { *finished = writeThrough(path, sent) ? 1 : 2; });
    QTRY_VERIFY_WITH_TIMEOUT(finished->load() != 0, 20000);
    writer.join();
    QCOMPARE(finished->load(), 1);
    auto done = (*pipe)->finish(true);
    QVERIFY(!done);
    QCOMPARE(done.error().code, std::string("disk-full"));
    QVERIFY(kept.size() <= 256 * 1024);
    QVERIFY(entries(dir.path()).isEmpty());
}

QTEST_GUILESS_MAIN(PipedFileTest)
#include "test_piped_file.moc"
