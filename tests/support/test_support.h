#pragma once
// Shared helpers of Lightbox's tests: where the corpora and tools are, running a program, comparing
// two images pixel by pixel.
#include <QImage>
#include <QPoint>
#include <QString>
#include <QStringList>

class QProcess;

namespace lightbox::test {

// ../shared/testdata (or $LIGHTBOX_TESTDATA); the test fails if it is missing.
QString testDataDir();
// pydicom's test files (or $PYDICOM_TEST_FILES).
QString pydicomTestFiles();
QString lightboxExe();
QString scriptsDir();
QString python();

// A mouse move with buttons held, delivered to `widget` at once (QTest::mouseMove may reach a GL
// view only later through the window system, after the release that ends the drag).
void dragTo(class QWidget* widget, QPoint to, Qt::MouseButtons buttons, Qt::KeyboardModifiers modifiers = {});  // the system Python that has pydicom

struct ProcessResult {
    int exitCode = -1;
    bool crashed = false;
    bool timedOut = false;
    QByteArray out;
    QByteArray err;
    bool ok() const { return !crashed && !timedOut && exitCode == 0; }
};

ProcessResult run(const QString& program, const QStringList& args, int timeoutMs = 60000, const QString& workDir = {});
// Makes each AE title, calling from this machine, a peer that the storage listener of the
// settings file `config` serves (echo and store): `lightbox archive add` with --host 127.0.0.1.
// `extra` is added to each command (e.g. --user NAME for a machine with users).
bool allowLocalPeers(const QString& config, const QStringList& aeTitles, const QStringList& extra = {});
// The same with variables added to (or, with an empty value, removed from) the environment and
// `input` written to its standard input (then closed).
ProcessResult runWith(const QString& program, const QStringList& args, const QList<QPair<QString, QString>>& environment, const QByteArray& input = {},
                      int timeoutMs = 60000);

struct ImageDiff {
    bool sameSize = false;
    int maxDiff = 0;
    double meanDiff = 0;
    QString describe() const;
};

// Compares two PNGs as 8-bit grey (if both are grey) or RGB.
ImageDiff compareImages(const QImage& a, const QImage& b);

// An X server of the test's own (Xvfb, one X screen per size, e.g. "1280x1024x24"): Xvfb picks a
// free display and says which (-displayfd), so tests running side by side never share one; DISPLAY
// and QT_QPA_PLATFORM=xcb are set for this process and its children. Stopped on destruction.
class PrivateXServer {
public:
    PrivateXServer() = default;
    ~PrivateXServer();
    PrivateXServer(const PrivateXServer&) = delete;
    PrivateXServer& operator=(const PrivateXServer&) = delete;
    bool start(const QStringList& screenSizes, QString* error);

private:
    QProcess* m_xvfb = nullptr;
};

// Every regular file under a folder, sorted.
QStringList filesUnder(const QString& dir);

// A plain copy (written to `out`) of the instance `sop` as a cache stores it: decrypted by an
// independent reader (support/lbx_unseal.py, Python's cryptography and argon2) with
// LIGHTBOX_CACHE_PASSPHRASE when the cache is encrypted, copied as it is when it is plain. Empty
// when there is no such file or it does not decrypt.
QString storedInstanceCopy(const QString& cacheDir, const QString& sop, const QString& out);

}  // namespace lightbox::test
