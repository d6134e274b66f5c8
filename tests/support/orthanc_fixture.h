#pragma once
// A real Orthanc archive for tests and benchmarks: started as a child process on 127.0.0.1 with
// free ports, its own temporary storage, the DICOMweb plugin and TCP_NODELAY, stopped on
// destruction. Knows Lightbox's storage listener as a DICOM modality (for C-MOVE).
#include <QByteArray>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace lightbox::test {

struct OrthancOptions {
    QString aeTitle = "ORTHANC";
    QString lightboxAe = "LIGHTBOX";  // a modality Orthanc may send to (C-MOVE)
    int lightboxPort = 0;             // its storage port
    bool checkCalledAe = true;        // refuse associations to another AE title
    QString user, password;           // HTTP basic authentication when set
    QString httpsPem;                 // key + certificate: HTTPS instead of HTTP
    QString httpsCa;                  // the CA the fixture trusts for its own requests
    QString worklistFolder;           // serve the .wl files there as a Modality Worklist to
                                      // lightboxAe (the ModalityWorklists plugin)
    QJsonObject extra;                // more configuration keys
};

// A free TCP port on 127.0.0.1 (bound, then released).
int freePort();

class OrthancServer {
public:
    explicit OrthancServer(OrthancOptions options = {});
    ~OrthancServer();

    // Starts Orthanc and waits until it answers (false with the log's tail otherwise).
    bool start(QString* error = nullptr);
    void stop();         // SIGTERM, waits for the exit
    void kill();         // SIGKILL at once
    bool running() const;
    qint64 pid() const;  // of the Orthanc process (0 if not running)

    int dicomPort() const { return m_dicomPort; }
    int httpPort() const { return m_httpPort; }
    QString aeTitle() const { return m_options.aeTitle; }
    QString url() const { return QStringLiteral("%1://127.0.0.1:%2").arg(m_options.httpsPem.isEmpty() ? "http" : "https").arg(m_httpPort); }
    QString dicomWebUrl() const { return url() + "/dicom-web"; }

    // REST helpers (synchronous).
    struct Reply {
        int status = 0;
        QByteArray body;
        QString error;
    };
    Reply get(const QString& path);
    Reply post(const QString& path, const QByteArray& body, const QString& contentType = "application/dicom");
    Reply del(const QString& path);
    // Uploads files (POST /instances); returns how many Orthanc stored.
    int upload(const QStringList& files, QString* error = nullptr);
    // The stored file of an instance (GET /instances/{id}/file) by SOP Instance UID.
    QByteArray instanceFile(const QString& sopInstanceUid);
    int instanceCount();
    QString log() const;

private:
    bool startOnce(QString* error);
    Reply request(const QByteArray& verb, const QString& path, const QByteArray& body, const QString& contentType);
    OrthancOptions m_options;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    int m_dicomPort = 0, m_httpPort = 0;
    bool m_everStarted = false;
};

}  // namespace lightbox::test
