#pragma once
// Lightbox's settings file (JSON): its own DICOM node (AE title, storage port, whether the
// listener runs) and the archives it talks to, each by DIMSE (AE title, host, port, TLS) and/or
// DICOMweb (URL, basic or bearer credentials). Passwords and tokens are stored sealed
// (storage::SecretBox) with a key in FILE.key beside it, mode 0600. Default file:
// $XDG_CONFIG_HOME/lightbox/lightbox.json (~/.config/lightbox/lightbox.json).
#include "dicom_peer.h"
#include "dicomweb_client.h"
#include "result.h"

#include <QString>

#include <vector>

namespace lightbox::app {

struct LocalNode {
    QString aeTitle = "LIGHTBOX";
    int port = 11112;
    bool listen = true;  // the GUI runs the storage listener
    // DICOM TLS for the listener: our certificate and key (PEM); callers' certificates are checked
    // against tlsCa when set.
    QString tlsCert, tlsKey, tlsCa;
    net::TlsOptions listenerTls() const;
    bool operator==(const LocalNode&) const = default;
};

struct ArchiveEntry {
    QString name;
    // DIMSE
    QString aeTitle, host;
    int port = 104;
    bool tls = false;
    QString caFile, certFile, keyFile;
    bool verify = true;
    // DICOMweb
    QString url, user, password, token, webCaFile;
    bool webVerify = true;
    int timeoutSeconds = 30;

    bool hasDimse() const { return !host.isEmpty(); }
    bool hasWeb() const { return !url.isEmpty(); }
    net::DicomPeer peer(const LocalNode& local) const;
    net::WebServer web() const;
    QString describe() const;  // one line for lists
};

class AppConfig {
public:
    static QString defaultPath();
    // `given` when not empty, else $LIGHTBOX_CONFIG, else defaultPath().
    static QString resolvePath(const QString& given);
    // A missing file gives the defaults (and no archives).
    static Result<AppConfig> load(const QString& path);
    Status save() const;

    const QString& path() const { return m_path; }
    LocalNode local;
    std::vector<ArchiveEntry> archives;

    const ArchiveEntry* find(const QString& name) const;
    void put(const ArchiveEntry& entry);  // adds, or replaces the one of that name
    bool remove(const QString& name);

private:
    Status write() const;
    QString m_path;
};

}  // namespace lightbox::app
