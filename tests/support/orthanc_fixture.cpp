#include "orthanc_fixture.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QThread>
#include <QTimer>

#include <csignal>

namespace lightbox::test {

int freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0)) return 0;
    return s.serverPort();
}

OrthancServer::OrthancServer(OrthancOptions options) : m_options(std::move(options)) {}

OrthancServer::~OrthancServer() { stop(); }

qint64 OrthancServer::pid() const { return running() ? m_process->processId() : 0; }

bool OrthancServer::running() const { return m_process && m_process->state() != QProcess::NotRunning; }

bool OrthancServer::start(QString* error)
{
    if (running()) return true;
    // Free ports are found by binding and releasing them: a test running beside this one may take
    // one first. Until Orthanc has run once, such a start is retried on other ports; afterwards the
    // ports are kept (a restarted archive is expected where it was).
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (startOnce(error)) {
            m_everStarted = true;
            return true;
        }
        if (m_everStarted || running()) return false;  // it exited: most likely a port was taken
        m_dicomPort = m_httpPort = 0;
    }
    return false;
}

bool OrthancServer::startOnce(QString* error)
{
    if (!m_dicomPort) m_dicomPort = freePort();
    if (!m_httpPort) m_httpPort = freePort();
    QJsonObject c;
    c["Name"] = "Lightbox test archive";
    c["StorageDirectory"] = m_dir.path() + "/storage";
    c["IndexDirectory"] = m_dir.path() + "/index";
    c["HttpPort"] = m_httpPort;
    c["DicomPort"] = m_dicomPort;
    c["DicomAet"] = m_options.aeTitle;
    c["DicomCheckCalledAet"] = m_options.checkCalledAe;
    c["RemoteAccessAllowed"] = false;
    c["AuthenticationEnabled"] = !m_options.user.isEmpty();
    if (!m_options.user.isEmpty()) c["RegisteredUsers"] = QJsonObject{{m_options.user, m_options.password}};
    c["UnknownSopClassAccepted"] = true;
    c["DicomAlwaysAllowEcho"] = true;
    c["DicomAlwaysAllowStore"] = true;
    c["DicomAlwaysAllowFind"] = true;
    c["DicomAlwaysAllowGet"] = true;
    c["DicomAlwaysAllowMove"] = true;
    c["StorageCompression"] = false;
    c["DicomScpTimeout"] = 30;
    c["StableAge"] = 1;
    c["Plugins"] = QJsonArray{"/usr/share/orthanc/plugins/libOrthancDicomWeb.so"};
    c["DicomWeb"] = QJsonObject{{"Enable", true}, {"Root", "/dicom-web/"}, {"Host", QStringLiteral("127.0.0.1:%1").arg(m_httpPort)},
                                {"EnableWado", true}, {"StudiesMetadata", "Full"}, {"SeriesMetadata", "Full"}};
    QJsonObject lightbox{{"AET", m_options.lightboxAe}, {"Host", "127.0.0.1"}, {"Port", m_options.lightboxPort > 0 ? m_options.lightboxPort : 104}};
    if (!m_options.worklistFolder.isEmpty()) {
        // Since Orthanc 1.10 a worklist C-FIND needs AllowFindWorklist on the calling modality.
        c["Plugins"] = QJsonArray{"/usr/share/orthanc/plugins/libOrthancDicomWeb.so", "/usr/share/orthanc/plugins/libModalityWorklists.so"};
        c["Worklists"] = QJsonObject{{"Enable", true}, {"Database", m_options.worklistFolder}, {"FilterIssuerAet", false}, {"LimitAnswers", 0}};
        lightbox["AllowFindWorklist"] = true;
    }
    if (m_options.lightboxPort > 0 || !m_options.worklistFolder.isEmpty()) c["DicomModalities"] = QJsonObject{{"lightbox", lightbox}};
    if (!m_options.httpsPem.isEmpty()) {
        c["SslEnabled"] = true;
        c["SslCertificate"] = m_options.httpsPem;
    }
    for (auto it = m_options.extra.begin(); it != m_options.extra.end(); ++it) c[it.key()] = it.value();
    const QString config = m_dir.path() + "/orthanc.json";
    QFile f(config);
    if (!f.open(QIODevice::WriteOnly)) return false;
    f.write(QJsonDocument(c).toJson());
    f.close();

    m_process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("TCP_NODELAY", "1");  // DCMTK inside Orthanc: no Nagle delays on loopback
    m_process->setProcessEnvironment(env);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_dir.path() + "/stdout.log");
    m_process->start("Orthanc", {"--logfile=" + m_dir.path() + "/orthanc.log", config});
    if (!m_process->waitForStarted(10000)) {
        if (error) *error = "Orthanc did not start: " + m_process->errorString();
        return false;
    }
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 30000) {
        if (!running()) break;
        if (get("/system").status == 200) return true;
        QThread::msleep(100);
    }
    if (error) *error = "Orthanc did not answer:\n" + log().right(2000);
    return false;
}

void OrthancServer::stop()
{
    if (!running()) return;
    m_process->terminate();
    if (!m_process->waitForFinished(20000)) kill();
}

void OrthancServer::kill()
{
    if (!running()) return;
    m_process->kill();
    m_process->waitForFinished(10000);
}

QString OrthancServer::log() const
{
    QFile f(m_dir.path() + "/orthanc.log");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll());
}

OrthancServer::Reply OrthancServer::request(const QByteArray& verb, const QString& path, const QByteArray& body, const QString& contentType)
{
    Reply r;
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(url() + path));
    if (!contentType.isEmpty()) req.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (!m_options.user.isEmpty())
        req.setRawHeader("Authorization", "Basic " + (m_options.user + ":" + m_options.password).toUtf8().toBase64());
    req.setTransferTimeout(60000);
    if (!m_options.httpsCa.isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromPath(m_options.httpsCa));
        req.setSslConfiguration(ssl);
    }
    QNetworkReply* reply = nam.sendCustomRequest(req, verb, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError) r.error = reply->errorString();
    reply->deleteLater();
    return r;
}

OrthancServer::Reply OrthancServer::get(const QString& path) { return request("GET", path, {}, {}); }

OrthancServer::Reply OrthancServer::post(const QString& path, const QByteArray& body, const QString& contentType)
{
    return request("POST", path, body, contentType);
}

OrthancServer::Reply OrthancServer::del(const QString& path) { return request("DELETE", path, {}, {}); }

int OrthancServer::upload(const QStringList& files, QString* error)
{
    int stored = 0;
    for (const QString& path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) continue;
        const Reply r = post("/instances", f.readAll());
        if (r.status == 200) ++stored;
        else if (error && error->isEmpty()) *error = QStringLiteral("%1: HTTP %2 %3").arg(path).arg(r.status).arg(QString::fromUtf8(r.body.left(200)));
    }
    return stored;
}

QByteArray OrthancServer::instanceFile(const QString& sop)
{
    const Reply r = post("/tools/lookup", sop.toUtf8(), "text/plain");
    const QJsonArray found = QJsonDocument::fromJson(r.body).array();
    for (const QJsonValue& v : found)
        if (v.toObject()["Type"].toString() == "Instance") return get("/instances/" + v.toObject()["ID"].toString() + "/file").body;
    return {};
}

int OrthancServer::instanceCount()
{
    return QJsonDocument::fromJson(get("/statistics").body).object()["CountInstances"].toInt();
}

}  // namespace lightbox::test
