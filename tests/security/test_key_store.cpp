// The OS key store (app/security/key_store.h) against a real Secret Service: a private D-Bus
// session bus and a gnome-keyring-daemon started by this test with their own home, never the
// user's. Store, read, overwrite and delete round trip, cross-checked with libsecret's own
// secret-tool; the same calls from a worker thread; and the headless case — a bus address that
// leads nowhere, and a key store that stops answering — gives "unavailable" within the timeout.
// The "nowhere" case runs first: GLib keeps the session bus connection once it has one.
#include "test_support.h"

#include "key_store.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QThread>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <thread>

#include <unistd.h>

using namespace lightbox;
using namespace lightbox::security;
using namespace lightbox::test;

namespace {

const QString kService = "lightbox-test";

}  // namespace

class KeyStoreTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void unavailableWithoutABus();
    void roundTripWithGnomeKeyring();
    void fromAWorkerThread();
    void aKeyStoreThatStopsAnsweringTimesOut();
    void archiveSecretsLiveInTheKeyStore();
    void theCacheKeyOpensFromTheKeyStore();
    void cleanupTestCase();

private:
    bool startKeyring();
    QList<QPair<QString, QString>> daemonEnvironment() const;
    QByteArray secretTool(const QStringList& args, bool* ok = nullptr) const;

    QTemporaryDir m_home;
    QString m_busAddress;
    qint64 m_busPid = 0;
    QProcess m_keyring;
};

void KeyStoreTest::initTestCase()
{
    QVERIFY(m_home.isValid());
    for (const char* tool : {"dbus-daemon", "gnome-keyring-daemon", "secret-tool", "dbus-send"})
        if (QStandardPaths::findExecutable(tool).isEmpty()) QFAIL(qPrintable(QString("%1 is not installed (see installer/debian-packages.txt)").arg(tool)));
}

void KeyStoreTest::unavailableWithoutABus()
{
    // No address at all: no autolaunched bus (dbus-launch through X11), at once.
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    auto none = readSecret(kService, "archive/x/password");
    QVERIFY(!none);
    QCOMPARE(none.error().code, std::string("unavailable"));
    QVERIFY2(none.error().message.find("DBUS_SESSION_BUS_ADDRESS") != std::string::npos, none.error().message.c_str());
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + m_home.filePath("no-bus-here").toUtf8());
    const KeyStoreOptions options{3000};
    QElapsedTimer t;
    t.start();
    auto read = readSecret(kService, "archive/x/password", options);
    QVERIFY(!read);
    QCOMPARE(read.error().code, std::string("unavailable"));
    auto store = storeSecret(kService, "archive/x/password", "secret", options);
    QVERIFY(!store);
    QCOMPARE(store.error().code, std::string("unavailable"));
    auto del = deleteSecret(kService, "archive/x/password", options);
    QVERIFY(!del);
    QCOMPARE(del.error().code, std::string("unavailable"));
    qInfo() << "no bus:" << QString::fromStdString(read.error().message) << "after" << t.elapsed() << "ms for three calls";
    QVERIFY(t.elapsed() < 3 * options.timeoutMs);
}

QList<QPair<QString, QString>> KeyStoreTest::daemonEnvironment() const
{
    return {{"HOME", m_home.filePath("home")},
            {"XDG_DATA_HOME", m_home.filePath("home/.local/share")},
            {"XDG_CONFIG_HOME", m_home.filePath("home/.config")},
            {"XDG_RUNTIME_DIR", m_home.filePath("run")},
            {"DBUS_SESSION_BUS_ADDRESS", m_busAddress},
            {"DISPLAY", ""}};
}

QByteArray KeyStoreTest::secretTool(const QStringList& args, bool* ok) const
{
    const ProcessResult r = runWith("secret-tool", args, daemonEnvironment(), {}, 10000);
    if (ok) *ok = r.ok();
    return r.out;
}

bool KeyStoreTest::startKeyring()
{
    QDir().mkpath(m_home.filePath("home/.local/share"));
    QDir().mkpath(m_home.filePath("run"));
    QFile::setPermissions(m_home.filePath("run"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    const ProcessResult bus = runWith("dbus-daemon", {"--session", "--fork", "--print-address=1", "--print-pid=1"}, daemonEnvironment(), {}, 10000);
    const QList<QByteArray> lines = bus.out.trimmed().split('\n');
    if (!bus.ok() || lines.size() < 2) {
        qWarning() << "dbus-daemon:" << bus.exitCode << bus.out << bus.err;
        return false;
    }
    m_busAddress = QString::fromUtf8(lines[0].trimmed());
    m_busPid = lines[1].trimmed().toLongLong();
    // GLib ends a process whose session bus goes away: the bus is stopped only after this process
    // has ended, by a watcher that outlives it (also when the test crashes).
    QProcess::startDetached("sh", {"-c", QString("while kill -0 %1 2>/dev/null; do sleep 0.2; done; kill %2").arg(getpid()).arg(m_busPid)});

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const auto& [name, value] : daemonEnvironment()) value.isEmpty() ? env.remove(name) : env.insert(name, value);
    m_keyring.setProcessEnvironment(env);
    m_keyring.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_keyring.start("gnome-keyring-daemon", {"--foreground", "--unlock", "--components=secrets"});
    if (!m_keyring.waitForStarted(5000)) {
        qWarning() << "gnome-keyring-daemon did not start:" << m_keyring.errorString();
        return false;
    }
    m_keyring.write("keyring-test-password");  // --unlock reads the login keyring's password to EOF
    m_keyring.waitForBytesWritten(5000);
    m_keyring.closeWriteChannel();
    // Ready when it owns org.freedesktop.secrets on our bus.
    for (int i = 0; i < 100; ++i) {
        const ProcessResult owner = runWith("dbus-send", {"--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                          "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"},
                                            daemonEnvironment(), {}, 5000);
        if (owner.out.contains("boolean true")) return true;
        if (i == 99) qWarning() << "no org.freedesktop.secrets on" << m_busAddress << owner.out << owner.err << "keyring state" << m_keyring.state();
        QThread::msleep(100);
    }
    return false;
}

void KeyStoreTest::roundTripWithGnomeKeyring()
{
    QVERIFY(startKeyring());
    qputenv("DBUS_SESSION_BUS_ADDRESS", m_busAddress.toUtf8());
    const QString name = "archive/Zürich PACS/password";

    auto missing = readSecret(kService, name);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, std::string("not-found"));

    QByteArray key(32, '\0');  // binary, with zero and high bytes
    for (int i = 0; i < key.size(); ++i) key[i] = char(i * 37 + 200);
    auto stored = storeSecret(kService, name, key);
    QVERIFY2(stored, stored ? "" : stored.error().message.c_str());
    auto back = readSecret(kService, name);
    QVERIFY2(back, back ? "" : back.error().message.c_str());
    QCOMPARE(*back, key);

    // It is in gnome-keyring, as libsecret's own tool sees it (qtkeychain's schema: server = service,
    // user = name, binary data base64).
    bool ok = false;
    const QByteArray seen = secretTool({"lookup", "server", kService, "user", name}, &ok);
    QVERIFY(ok);
    QCOMPARE(QByteArray::fromBase64(seen.trimmed()), key);

    QVERIFY(storeSecret(kService, name, "second value"));
    back = readSecret(kService, name);
    QVERIFY(back);
    QCOMPARE(*back, QByteArray("second value"));
    QVERIFY(storeSecret(kService, "archive/other/token", "t0k"));

    QVERIFY(deleteSecret(kService, name));
    missing = readSecret(kService, name);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, std::string("not-found"));
    secretTool({"lookup", "server", kService, "user", name}, &ok);
    QVERIFY(!ok);
    QVERIFY(deleteSecret(kService, name));  // deleting what is not there is not an error
    back = readSecret(kService, "archive/other/token");  // the other entry is untouched
    QVERIFY(back);
    QCOMPARE(*back, QByteArray("t0k"));
}

void KeyStoreTest::fromAWorkerThread()
{
    if (m_busAddress.isEmpty()) QSKIP("no key store started");
    Result<QByteArray> got = makeError("none", "");
    Status put = makeError("none", "");
    std::thread worker([&] {
        put = storeSecret(kService, "cache/kek", "from a worker");
        got = readSecret(kService, "cache/kek");
    });
    worker.join();
    QVERIFY(put);
    QVERIFY(got);
    QCOMPARE(*got, QByteArray("from a worker"));
}

void KeyStoreTest::aKeyStoreThatStopsAnsweringTimesOut()
{
    if (m_busAddress.isEmpty()) QSKIP("no key store started");
    ::kill(pid_t(m_keyring.processId()), SIGSTOP);
    QElapsedTimer t;
    t.start();
    auto r = readSecret(kService, "cache/kek", KeyStoreOptions{1500});
    const qint64 first = t.elapsed();
    QVERIFY(!r);
    QCOMPARE(r.error().code, std::string("unavailable"));
    QVERIFY2(first >= 1400 && first < 3000, qPrintable(QString::number(first)));
    // While that request is pending, the next answers at once.
    t.restart();
    r = readSecret(kService, "cache/kek", KeyStoreOptions{1500});
    QVERIFY(!r);
    QCOMPARE(r.error().code, std::string("unavailable"));
    QVERIFY(t.elapsed() < 500);
    // Once the daemon answers again, so does the key store.
    ::kill(pid_t(m_keyring.processId()), SIGCONT);
    QTRY_VERIFY_WITH_TIMEOUT(readSecret(kService, "cache/kek", KeyStoreOptions{1500}).ok(), 10000);
    QCOMPARE(*readSecret(kService, "cache/kek"), QByteArray("from a worker"));
}

// `lightbox archive add|list|remove` with the key store of this test (and once without one).
void KeyStoreTest::archiveSecretsLiveInTheKeyStore()
{
    if (m_busAddress.isEmpty()) QSKIP("no key store started");
    const QString config = m_home.filePath("settings/lightbox.json");
    const QString url = "https://pacs.example.org/dicom-web";
    auto lb = [&](QStringList args, const QByteArray& input = {}, QList<QPair<QString, QString>> extra = {}) {
        return runWith(lightboxExe(), args << "--config" << config, daemonEnvironment() + extra, input, 60000);
    };
    auto settings = [&] {
        QFile f(config);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    auto inStore = [&](const QString& name, bool* ok) { return QByteArray::fromBase64(secretTool({"lookup", "server", "lightbox", "user", name}, ok).trimmed()); };

    ProcessResult r = lb({"archive", "add", "web", "--dicomweb", url, "--user", "reader", "--password-stdin"}, "pa ss:w\xc3\xb6rd\n");
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY2(settings().contains("\"keyStore\": \"archive/web/password\""), settings().constData());
    QVERIFY(!settings().contains("v1:") && !settings().contains("pa ss"));
    bool ok = false;
    QCOMPARE(inStore("archive/web/password", &ok), QByteArray("pa ss:w\xc3\xb6rd"));
    QVERIFY(ok);
    r = lb({"archive", "list", "--json"});
    QVERIFY2(r.ok() && !r.out.contains("secretProblem") && r.out.contains("\"basic\""), r.out + r.err);

    // The key store loses the entry: the archive stays listed, the password is asked for again.
    QVERIFY(runWith("secret-tool", {"clear", "server", "lightbox", "user", "archive/web/password"}, daemonEnvironment()).ok());
    r = lb({"archive", "list", "--json"});
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY2(r.err.contains("the password for web could not be read from the key store") && r.err.contains("enter it again"), r.err.constData());
    const QJsonArray list = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(list.size(), 1);
    QVERIFY(list[0].toObject()["secretProblem"].toString().contains("enter it again"));
    // Another save keeps the reference (the entry may come back); a token from standard input.
    r = lb({"archive", "add", "other", "--dicomweb", url, "--token-stdin"}, "t0k");
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY(settings().contains("\"keyStore\": \"archive/web/password\"") && settings().contains("\"keyStore\": \"archive/other/token\""));
    QCOMPARE(inStore("archive/other/token", &ok), QByteArray("t0k"));
    // Entered again, from the environment.
    r = lb({"archive", "add", "web", "--dicomweb", url, "--user", "reader"}, {}, {{"LIGHTBOX_ARCHIVE_PASSWORD", "n3w"}});
    QVERIFY2(r.ok(), r.err.constData());
    QCOMPARE(inStore("archive/web/password", &ok), QByteArray("n3w"));
    r = lb({"archive", "list"});
    QVERIFY(r.ok() && !r.err.contains("could not be read"));
    // --password still works, with a warning.
    r = lb({"archive", "add", "web", "--dicomweb", url, "--user", "reader", "--password", "visible"});
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY2(r.err.contains("visible to other users in the process list"), r.err.constData());
    QCOMPARE(inStore("archive/web/password", &ok), QByteArray("visible"));
    // Removing the archive removes its secret from the key store.
    QVERIFY(lb({"archive", "remove", "web"}).ok());
    inStore("archive/web/password", &ok);
    QVERIFY(!ok);
    // No key store: sealed into the settings file, and said so.
    r = lb({"archive", "add", "headless", "--dicomweb", url, "--token-stdin"}, "h3adless", {{"LIGHTBOX_KEY_STORE", "off"}});
    QVERIFY2(r.ok(), r.err.constData());
    QVERIFY2(r.err.contains("the token for headless is sealed in the settings file"), r.err.constData());
    QVERIFY(settings().contains("v1:") && !settings().contains("h3adless"));
    r = lb({"archive", "list", "--json"}, {}, {{"LIGHTBOX_KEY_STORE", "off"}});
    QVERIFY(r.ok());
    QVERIFY(r.err.contains("the token for other could not be read from the key store"));  // other's token is in the key store
    QVERIFY(!r.err.contains("headless"));
}

void KeyStoreTest::theCacheKeyOpensFromTheKeyStore()
{
    if (m_busAddress.isEmpty()) QSKIP("no key store started");
    const QString cache = m_home.filePath("cache");
    // No passphrase anywhere: the key store is the one door of a new cache.
    const QList<QPair<QString, QString>> noPassphrase{{"LIGHTBOX_CACHE_PASSPHRASE", ""}};
    auto lb = [&](QStringList args, QList<QPair<QString, QString>> extra = {}, const QByteArray& input = {}) {
        return runWith(lightboxExe(), args << "--cache" << cache, daemonEnvironment() + noPassphrase + extra, input, 120000);
    };
    ProcessResult r = lb({"import", "--quiet", testDataDir() + "/ct/siemens-sensation10_chest_30sl"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    r = lb({"cache", "key", "status", "--json"});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject status = QJsonDocument::fromJson(r.out).object();
    QVERIFY(status["encrypted"].toBool());
    QCOMPARE(status["doors"].toArray().size(), 1);
    QCOMPARE(status["doors"].toArray()[0].toObject()["name"].toString(), QString("keystore"));
    const QString entry = status["doors"].toArray()[0].toObject()["keyStoreEntry"].toString();
    QVERIFY(entry.startsWith("cache-kek/" + status["keyId"].toString() + "/"));
    bool ok = false;
    QCOMPARE(QByteArray::fromBase64(secretTool({"lookup", "server", "lightbox", "user", entry}, &ok).trimmed()).size(), 32);
    QVERIFY(ok);
    r = lb({"studies"});
    QVERIFY2(r.ok() && r.out.contains("1 studies"), (r.out + r.err).constData());
    // The administrator's recovery passphrase, then the key store entry is lost.
    r = lb({"cache", "key", "add-recovery", "--passphrase-stdin"}, {}, "recover-me-please\n");
    QVERIFY2(r.ok() && r.out.contains("keystore, recovery"), (r.out + r.err).constData());
    QVERIFY(runWith("secret-tool", {"clear", "server", "lightbox", "user", entry}, daemonEnvironment()).ok());
    r = lb({"studies"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("stays locked") && r.err.contains("key store entry cannot be used"), r.err.constData());
    r = lb({"studies"}, {{"LIGHTBOX_CACHE_PASSPHRASE", "recover-me-please"}});
    QVERIFY2(r.ok() && r.out.contains("1 studies"), (r.out + r.err).constData());
    // A new key store entry, made with the recovery passphrase: the desktop opens it again alone.
    r = lb({"cache", "key", "add-key-store"}, {{"LIGHTBOX_CACHE_PASSPHRASE", "recover-me-please"}});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    r = lb({"studies"});
    QVERIFY2(r.ok() && r.out.contains("1 studies"), (r.out + r.err).constData());
}

void KeyStoreTest::cleanupTestCase()
{
    if (m_keyring.state() != QProcess::NotRunning) {
        ::kill(pid_t(m_keyring.processId()), SIGCONT);
        m_keyring.terminate();
        if (!m_keyring.waitForFinished(5000)) m_keyring.kill();
    }
    // The bus itself is stopped by the watcher once this process has ended (see startKeyring).
}

QTEST_GUILESS_MAIN(KeyStoreTest)
#include "test_key_store.moc"
