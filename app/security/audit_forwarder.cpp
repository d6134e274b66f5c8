#include "audit_forwarder.h"

#include "audit_log.h"
#include "auditor.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace lightbox::security {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::int64_t readForwarded(const std::string& path)
{
    QFile f(q(path));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    return f.readAll().trimmed().toLongLong();
}

Status writeForwarded(const std::string& path, std::int64_t seq)
{
    const std::string tmp = path + ".tmp", text = std::to_string(seq) + "\n";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return makeError("audit-forward", "cannot write " + tmp);
    const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return makeError("audit-forward", "cannot write " + path);
    return Done{};
}

// RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG. PRI 85:
// facility 10 (security/authorization), severity 5 (notice), as IHE ATNA's examples use.
QByteArray syslogMessage(const AuditRecord& r)
{
    QByteArray m = "<85>1 " + QByteArray::fromStdString(r.entry.time) + " " + QByteArray::fromStdString(machineName()) + " Lightbox " +
                   QByteArray::number(::getpid()) + " IHE+RFC-3881 [lightbox@32473 seq=\"" + QByteArray::number(qlonglong(r.seq)) + "\" hash=\"" +
                   QByteArray::fromStdString(r.hash) + "\"] \xEF\xBB\xBF";
    QByteArray xml = QByteArray::fromStdString(r.entry.xml);
    if (xml.startsWith("<?xml")) xml = xml.mid(xml.indexOf("?>") + 2);
    return m + xml;
}

// One forwarder at a time across processes; released when it goes out of scope.
class TryLock {
public:
    explicit TryLock(const std::string& path) : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
    {
        m_held = m_fd >= 0 && ::flock(m_fd, LOCK_EX | LOCK_NB) == 0;
    }
    ~TryLock()
    {
        if (m_fd >= 0) ::close(m_fd);
    }
    bool held() const { return m_held; }

private:
    int m_fd;
    bool m_held = false;
};

}  // namespace

Result<RepositorySettings> loadRepository(const std::string& dir)
{
    QFile f(q(dir + "/repository.json"));
    if (!f.exists()) return RepositorySettings{};
    if (!f.open(QIODevice::ReadOnly)) return makeError("audit-repository", "cannot read " + dir + "/repository.json");
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    RepositorySettings s;
    s.host = o.value("host").toString().toStdString();
    s.port = o.value("port").toInt(6514);
    s.caFile = o.value("ca").toString().toStdString();
    s.certFile = o.value("cert").toString().toStdString();
    s.keyFile = o.value("key").toString().toStdString();
    return s;
}

Status saveRepository(const std::string& dir, const RepositorySettings& s)
{
    const std::string path = dir + "/repository.json";
    if (!s.configured()) {
        ::unlink(path.c_str());
        return Done{};
    }
    const QJsonObject o{{"host", q(s.host)}, {"port", s.port}, {"ca", q(s.caFile)}, {"cert", q(s.certFile)}, {"key", q(s.keyFile)}};
    QFile f(q(path));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return makeError("audit-repository", "cannot write " + path);
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(o).toJson());
    return Done{};
}

Result<ForwardResult> forwardAudit(const std::string& dir, int timeoutMs)
{
    ForwardResult result;
    auto settings = loadRepository(dir);
    if (!settings) return settings.error();
    if (!settings->configured()) return result;
    TryLock lock(dir + "/audit.forward.lock");
    if (!lock.held()) {
        result.busy = true;
        return result;
    }
    const std::string statePath = dir + "/audit.forwarded";
    result.upTo = readForwarded(statePath);
    auto records = AuditLog(dir).read();
    if (!records) return records.error();
    std::vector<const AuditRecord*> pending;
    for (const AuditRecord& r : *records)
        if (r.seq > result.upTo) pending.push_back(&r);
    if (pending.empty()) return result;

    QElapsedTimer clock;
    clock.start();
    auto left = [&] { return std::max(1, timeoutMs - int(clock.elapsed())); };
    QSslSocket socket;
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    const auto cas = QSslCertificate::fromPath(q(settings->caFile));
    if (cas.isEmpty()) return makeError("audit-repository", "the repository's CA file " + settings->caFile + " holds no certificate");
    tls.setCaCertificates(cas);
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!settings->certFile.empty()) {
        tls.setLocalCertificateChain(QSslCertificate::fromPath(q(settings->certFile)));
        QFile key(q(settings->keyFile));
        if (key.open(QIODevice::ReadOnly)) tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
    }
    socket.setSslConfiguration(tls);
    socket.connectToHostEncrypted(q(settings->host), quint16(settings->port));
    if (!socket.waitForEncrypted(left()))
        return makeError("audit-repository", "the audit repository " + settings->host + ":" + std::to_string(settings->port) +
                                                 " cannot be reached: " + socket.errorString().toStdString());
    for (const AuditRecord* r : pending) {
        const QByteArray message = syslogMessage(*r);
        socket.write(QByteArray::number(message.size()) + " " + message);  // RFC 5425 octet counting
    }
    while (socket.bytesToWrite() > 0 || socket.encryptedBytesToWrite() > 0)
        if (!socket.waitForBytesWritten(left()))
            return makeError("audit-repository", "sending to the audit repository failed: " + socket.errorString().toStdString());
    socket.disconnectFromHost();  // TLS close_notify, then the connection's end
    if (socket.state() != QAbstractSocket::UnconnectedState) socket.waitForDisconnected(left());
    result.sent = int(pending.size());
    result.upTo = pending.back()->seq;
    if (Status s = writeForwarded(statePath, result.upTo); !s) return s.error();
    return result;
}

}  // namespace lightbox::security
