#pragma once
// Lightbox's settings file (JSON): its own DICOM node (AE title, storage port, whether the
// listener runs, off until an administrator turns it on) and the DICOM nodes it knows: archives it
// talks to, each by DIMSE (AE title, host, port, TLS) and/or DICOMweb (URL, basic or bearer
// credentials), and the peers (archives, modalities) allowed to call its listener, with the
// services each may use there and whether what it sends may be shown as a patient's priors.
// Passwords and tokens live in the operating system's key store, or, where there is none, sealed
// (storage::SecretBox) with a key in FILE.key beside it, mode 0600 (see archive_secrets.h). Default file:
// $XDG_CONFIG_HOME/lightbox/lightbox.json (~/.config/lightbox/lightbox.json).
#include "dicom_peer.h"
#include "dicomweb_client.h"
#include "result.h"
#include "storage_listener.h"

#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::app {

struct LocalNode {
    QString aeTitle = "LIGHTBOX";
    int port = 11112;
    bool listen = false;  // the GUI runs the storage listener (off on a new install)
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
    // When it calls us: the services it may use (echo, store), other hosts it may call from
    // besides `host`, and whether the studies it sends may be hung as a patient's priors.
    bool acceptsEcho = true, acceptsStore = true;
    QStringList fromHosts;
    bool priors = true;
    // A password or token that could not be read when the settings were loaded (key store entry
    // gone or locked, key file replaced): the archive stays listed, `secretProblem` says what to
    // enter again, and the stored form is written back unchanged until a new value is given.
    QString secretProblem;
    QJsonValue unreadPassword, unreadToken;

    bool hasDimse() const { return !host.isEmpty(); }
    bool callable() const { return hasDimse() && port > 0; }  // port 0: a peer that only sends to us
    bool mayCall() const { return hasDimse() && (acceptsEcho || acceptsStore); }
    QString acceptsText() const;  // "echo, store", or "nothing"
    bool hasWeb() const { return !url.isEmpty(); }
    net::DicomPeer peer(const LocalNode& local) const;
    net::WebServer web() const;
    QString describe() const;  // one line for lists
};

// Backups an administrator schedules: into `folder`, when the newest backup there is older than
// `everyHours` (0: not scheduled). The GUI and `lightbox listen` check every minute;
// `lightbox cache backup --if-due` does the same from cron or a systemd timer.
struct BackupSchedule {
    QString folder;
    int everyHours = 0;
    bool operator==(const BackupSchedule&) const = default;
};

// Who may send orders over HL7 (MLLP): a connection must come from one of the hosts, and its
// messages name the sending application (MSH-3) and facility (MSH-4) given (empty: any).
struct Hl7Sender {
    QString name;
    QStringList hosts;
    QString application, facility;
    bool operator==(const Hl7Sender&) const = default;
};

// The HL7 listener: off (port 0) until an administrator sets a port; on loopback unless told.
struct Hl7Settings {
    int port = 0;
    QString listenAddress = "127.0.0.1";
    std::vector<Hl7Sender> senders;
    bool operator==(const Hl7Settings&) const = default;
};

// A source of work to poll, of one of two kinds:
//  - "mwl", a DICOM Modality Worklist: the archive entry that serves it (its DIMSE settings, TLS
//    included), the steps asked for (scheduled station AE title and modality; empty: any), how far
//    ahead (from the start of today to now + lookAheadHours);
//  - "studies", a stored query of an archive's studies (C-FIND or QIDO-RS): those of a modality
//    (empty: any) acquired in the last lookBackHours, each made an order to be read and prefetched.
// intervalSeconds: how often `lightbox service` asks.
struct WorklistSource {
    QString name, archive, stationAe, modality;
    int lookAheadHours = 24;
    int intervalSeconds = 300;
    QString kind = "mwl";  // "mwl" or "studies"
    int lookBackHours = 24;
    bool studies() const { return kind == "studies"; }
    bool operator==(const WorklistSource&) const = default;
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
    BackupSchedule backup;
    Hl7Settings hl7;
    std::vector<WorklistSource> worklists;

    const ArchiveEntry* find(const QString& name) const;
    const WorklistSource* worklist(const QString& name) const;
    // The peers the storage listener serves (every entry that may call us).
    std::vector<net::ListenerPeer> listenerPeers() const;
    // Whether instances recorded with `source` may be shown as priors: what arrived from a peer
    // ("store:NAME") only when that entry exists and is trusted for priors; what was pushed to a
    // listener before peers were checked ("listener", "listen") never; imports, and retrieves asked
    // for by a user ("move:NAME" among them), always.
    bool trustedForPriors(const std::string& source) const;
    void put(const ArchiveEntry& entry);  // adds, or replaces the one of that name
    bool remove(const QString& name);
    // What the last save() did that a person should know (a secret sealed into the settings file
    // because no key store could be reached).
    const QStringList& notes() const { return m_notes; }

private:
    Status write() const;
    QString m_path;
    mutable QStringList m_keyStoreNames;  // key store entries the settings file refers to
    mutable QStringList m_notes;
};

}  // namespace lightbox::app
