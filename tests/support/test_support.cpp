#include "test_support.h"

#include <QCryptographicHash>

#include <QApplication>
#include <QMouseEvent>
#include <QWidget>

#include <QDeadlineTimer>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QtTest>

#include <cmath>
#include <cstdlib>

namespace lightbox::test {

namespace {

QString fromEnvOr(const char* name, const QString& fallback)
{
    const QByteArray v = qgetenv(name);
    return v.isEmpty() ? fallback : QString::fromLocal8Bit(v);
}

}  // namespace

QString testDataDir()
{
    const QString dir = fromEnvOr("LIGHTBOX_TESTDATA", QStringLiteral(LIGHTBOX_TESTDATA_DEFAULT));
    if (!QFileInfo(dir + "/MANIFEST.md").exists())
        qFatal("test data not found at %s (set LIGHTBOX_TESTDATA)", qPrintable(dir));
    return QFileInfo(dir).canonicalFilePath();
}

QString pydicomTestFiles()
{
    const QString dir = fromEnvOr("PYDICOM_TEST_FILES", QStringLiteral("/usr/lib/python3/dist-packages/pydicom/data/test_files"));
    if (!QFileInfo(dir + "/CT_small.dcm").exists())
        qFatal("pydicom's test files not found at %s (install python3-pydicom)", qPrintable(dir));
    return dir;
}

QString lightboxExe() { return QStringLiteral(LIGHTBOX_EXE); }
QString scriptsDir() { return QStringLiteral(LIGHTBOX_TEST_SOURCE_DIR); }
QString python() { return QStringLiteral("/usr/bin/python3"); }

namespace {

ProcessResult finish(QProcess& p, const QString& program, int timeoutMs);

}  // namespace

ProcessResult run(const QString& program, const QStringList& args, int timeoutMs, const QString& workDir)
{
    QProcess p;
    if (!workDir.isEmpty()) p.setWorkingDirectory(workDir);
    p.start(program, args);
    return finish(p, program, timeoutMs);
}

ProcessResult runWith(const QString& program, const QStringList& args, const QList<QPair<QString, QString>>& environment, const QByteArray& input,
                      int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const auto& [name, value] : environment) {
        if (value.isEmpty()) env.remove(name);
        else env.insert(name, value);
    }
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (p.waitForStarted(10000)) {
        p.write(input);
        p.closeWriteChannel();
    }
    return finish(p, program, timeoutMs);
}

namespace {

ProcessResult finish(QProcess& p, const QString& program, int timeoutMs)
{
    ProcessResult r;
    if (!p.waitForStarted(10000)) {
        r.err = "cannot start " + program.toLocal8Bit();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.timedOut = true;
    }
    r.crashed = !r.timedOut && p.exitStatus() == QProcess::CrashExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

}  // namespace

QString ImageDiff::describe() const
{
    if (!sameSize) return QStringLiteral("different sizes");
    return QStringLiteral("max %1, mean %2").arg(maxDiff).arg(meanDiff, 0, 'f', 4);
}

ImageDiff compareImages(const QImage& a, const QImage& b)
{
    ImageDiff d;
    if (a.size() != b.size() || a.isNull()) return d;
    d.sameSize = true;
    const bool grey = a.isGrayscale() && b.isGrayscale();
    const QImage x = a.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    const QImage y = b.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    const int channels = grey ? 1 : 3;
    double sum = 0;
    std::size_t n = 0;
    for (int row = 0; row < x.height(); ++row) {
        const uchar* p = x.constScanLine(row);
        const uchar* q = y.constScanLine(row);
        for (int i = 0; i < x.width() * channels; ++i) {
            const int diff = std::abs(int(p[i]) - int(q[i]));
            d.maxDiff = std::max(d.maxDiff, diff);
            sum += diff;
            ++n;
        }
    }
    d.meanDiff = n ? sum / double(n) : 0;
    return d;
}

QStringList filesUnder(const QString& dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) out << it.next();
    out.sort();
    return out;
}

}  // namespace lightbox::test

namespace lightbox::test {

void dragTo(QWidget* widget, QPoint to, Qt::MouseButtons buttons, Qt::KeyboardModifiers modifiers)
{
    QMouseEvent move(QEvent::MouseMove, QPointF(to), widget->mapToGlobal(QPointF(to)), Qt::NoButton, buttons, modifiers);
    QApplication::sendEvent(widget, &move);
}

bool allowLocalPeers(const QString& config, const QStringList& aeTitles, const QStringList& extra)
{
    for (const QString& ae : aeTitles) {
        const ProcessResult r = run(lightboxExe(), QStringList{"archive", "add", "local-" + ae.toLower(), "--aet", ae, "--host", "127.0.0.1", "--config", config} + extra);
        if (!r.ok()) {
            qWarning("allowLocalPeers: %s", r.err.constData());
            return false;
        }
    }
    return true;
}

QString storedInstanceCopy(const QString& cacheDir, const QString& sop, const QString& out)
{
    QFile::remove(out);
    if (!QFile::exists(cacheDir + "/key.json")) {
        const QString hash = QString::fromLatin1(QCryptographicHash::hash(sop.toLatin1(), QCryptographicHash::Sha1).toHex());
        return QFile::copy(cacheDir + "/files/" + hash.left(2) + "/" + hash + ".dcm", out) ? out : QString();
    }
    const ProcessResult r = run(python(), {scriptsDir() + "/support/lbx_unseal.py", cacheDir, qEnvironmentVariable("LIGHTBOX_CACHE_PASSPHRASE"), "sop", sop, out});
    if (!r.ok()) qWarning("%s", r.err.constData());
    return r.ok() && QFile::exists(out) ? out : QString();
}

PrivateXServer::~PrivateXServer()
{
    if (!m_xvfb) return;
    m_xvfb->terminate();
    m_xvfb->waitForFinished(5000);
    delete m_xvfb;
}

bool PrivateXServer::start(const QStringList& screenSizes, QString* error)
{
    QStringList args{"-displayfd", "1", "-nolisten", "tcp"};
    for (int i = 0; i < screenSizes.size(); ++i) args << "-screen" << QString::number(i) << screenSizes[i];
    m_xvfb = new QProcess;
    m_xvfb->start("Xvfb", args);
    QByteArray display;
    const QDeadlineTimer deadline(10000);
    while (!display.contains('\n') && m_xvfb->state() != QProcess::NotRunning && !deadline.hasExpired()) {
        m_xvfb->waitForReadyRead(50);
        display += m_xvfb->readAllStandardOutput();
    }
    if (!display.contains('\n')) {
        *error = QStringLiteral("cannot start Xvfb: ") + QString::fromLocal8Bit(m_xvfb->readAllStandardError());
        return false;
    }
    qputenv("DISPLAY", ":" + display.trimmed());
    qputenv("QT_QPA_PLATFORM", "xcb");
    return true;
}

}  // namespace lightbox::test
