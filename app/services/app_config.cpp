#include "app_config.h"

#include "archive_secrets.h"
#include "auditor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace lightbox::app {

net::DicomPeer ArchiveEntry::peer(const LocalNode& local) const
{
    net::DicomPeer p;
    p.host = host.toStdString();
    p.port = port;
    p.calledAeTitle = aeTitle.toStdString();
    p.callingAeTitle = local.aeTitle.toStdString();
    p.timeoutSeconds = timeoutSeconds;
    p.tls.enabled = tls;
    p.tls.caFile = caFile.toStdString();
    p.tls.certFile = certFile.toStdString();
    p.tls.keyFile = keyFile.toStdString();
    p.tls.verifyPeer = verify;
    return p;
}

net::WebServer ArchiveEntry::web() const
{
    net::WebServer w;
    w.baseUrl = url.toStdString();
    w.user = user.toStdString();
    w.password = password.toStdString();
    w.token = token.toStdString();
    w.caFile = webCaFile.toStdString();
    w.verifyPeer = webVerify;
    w.timeoutSeconds = timeoutSeconds;
    return w;
}

QString ArchiveEntry::acceptsText() const
{
    QStringList s;
    if (acceptsEcho) s << "echo";
    if (acceptsStore) s << "store";
    return s.isEmpty() ? QStringLiteral("nothing") : s.join(", ");
}

QString ArchiveEntry::describe() const
{
    QStringList parts;
    if (hasDimse()) {
        parts << (port > 0 ? QStringLiteral("DIMSE %1@%2:%3%4").arg(aeTitle, host).arg(port).arg(tls ? " TLS" : "")
                           : QStringLiteral("DIMSE %1@%2 (sends only)").arg(aeTitle, host));
        QString calls = "may send us: " + acceptsText();
        if (!fromHosts.isEmpty()) calls += " from " + (QStringList{host} + fromHosts).join(", ");
        if (!priors) calls += "; not trusted for priors";
        parts << calls;
    }
    if (hasWeb()) {
        QString w = "DICOMweb " + url;
        if (!token.isEmpty()) w += " (token)";
        else if (!user.isEmpty()) w += " (user " + user + ")";
        parts << w;
    }
    return name + "  " + parts.join(", ");
}

net::TlsOptions LocalNode::listenerTls() const
{
    net::TlsOptions t;
    t.enabled = !tlsCert.isEmpty();
    t.certFile = tlsCert.toStdString();
    t.keyFile = tlsKey.toStdString();
    t.caFile = tlsCa.toStdString();
    t.verifyPeer = !tlsCa.isEmpty();
    return t;
}

QString AppConfig::resolvePath(const QString& given)
{
    if (!given.isEmpty()) return given;
    const QString env = qEnvironmentVariable("LIGHTBOX_CONFIG");
    return env.isEmpty() ? defaultPath() : env;
}

QString AppConfig::defaultPath()
{
    QString base = qEnvironmentVariable("XDG_CONFIG_HOME");
    if (base.isEmpty()) base = QDir::homePath() + "/.config";
    return base + "/lightbox/lightbox.json";
}

Result<AppConfig> AppConfig::load(const QString& path)
{
    AppConfig c;
    c.m_path = path;
    QFile f(path);
    if (!f.exists()) return c;
    if (!f.open(QIODevice::ReadOnly)) return makeError("config", "cannot read " + path.toStdString());
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return makeError("config", path.toStdString() + " is not valid JSON: " + err.errorString().toStdString());
    const QJsonObject o = doc.object();
    c.local.aeTitle = o["aeTitle"].toString(c.local.aeTitle);
    c.local.port = o["storagePort"].toInt(c.local.port);
    c.local.listen = o["listen"].toBool(c.local.listen);
    c.local.tlsCert = o["tlsCertificate"].toString();
    c.local.tlsKey = o["tlsKey"].toString();
    c.local.tlsCa = o["tlsCa"].toString();
    c.backup.folder = o["backup"].toObject()["folder"].toString();
    c.backup.everyHours = o["backup"].toObject()["everyHours"].toInt(0);
    const QJsonObject hl7 = o["hl7"].toObject();
    c.hl7.port = hl7["port"].toInt(0);
    c.hl7.listenAddress = hl7["listen"].toString(c.hl7.listenAddress);
    for (const QJsonValue& v : hl7["senders"].toArray()) {
        const QJsonObject x = v.toObject();
        Hl7Sender sender{x["name"].toString(), {}, x["application"].toString(), x["facility"].toString()};
        for (const QJsonValue& h : x["hosts"].toArray()) sender.hosts << h.toString();
        c.hl7.senders.push_back(sender);
    }
    for (const QJsonValue& v : o["worklists"].toArray()) {
        const QJsonObject x = v.toObject();
        WorklistSource w{x["name"].toString(), x["archive"].toString(), x["stationAe"].toString(), x["modality"].toString()};
        w.lookAheadHours = x["lookAheadHours"].toInt(w.lookAheadHours);
        w.intervalSeconds = x["intervalSeconds"].toInt(w.intervalSeconds);
        w.kind = x["kind"].toString(w.kind) == "studies" ? "studies" : "mwl";
        w.lookBackHours = x["lookBackHours"].toInt(w.lookBackHours);
        if (w.name.isEmpty()) w.name = w.archive;
        if (!w.name.isEmpty()) c.worklists.push_back(w);
    }
    for (const QJsonValue& v : o["archives"].toArray()) {
        const QJsonObject a = v.toObject();
        ArchiveEntry e;
        e.name = a["name"].toString();
        if (e.name.isEmpty()) continue;
        const QJsonObject d = a["dimse"].toObject();
        e.aeTitle = d["aeTitle"].toString();
        e.host = d["host"].toString();
        e.port = d["port"].toInt(104);
        e.tls = d["tls"].toBool();
        e.caFile = d["caFile"].toString();
        e.certFile = d["certFile"].toString();
        e.keyFile = d["keyFile"].toString();
        e.verify = d["verify"].toBool(true);
        if (d.contains("accepts")) {
            const QJsonArray acc = d["accepts"].toArray();
            e.acceptsEcho = acc.contains(QJsonValue("echo"));
            e.acceptsStore = acc.contains(QJsonValue("store"));
        }
        for (const QJsonValue& h : d["from"].toArray()) e.fromHosts << h.toString();
        e.priors = d["priors"].toBool(true);
        const QJsonObject w = a["dicomweb"].toObject();
        e.url = w["url"].toString();
        e.user = w["user"].toString();
        for (const auto& [kind, value, unread] : {std::tuple{"password", &e.password, &e.unreadPassword}, {"token", &e.token, &e.unreadToken}}) {
            const QJsonValue stored = w[kind];
            if (stored.isObject()) c.m_keyStoreNames << stored.toObject()["keyStore"].toString();
            auto secret = readArchiveSecret(path, stored);
            if (secret) {
                *value = *secret;
                continue;
            }
            *unread = stored;
            e.secretProblem = QStringLiteral("the %1 for %2 could not be read from %3: enter it again")
                                  .arg(kind, e.name, QString::fromStdString(secret.error().message));
        }
        e.webCaFile = w["caFile"].toString();
        e.webVerify = w["verify"].toBool(true);
        e.timeoutSeconds = a["timeout"].toInt(30);
        c.archives.push_back(e);
    }
    return c;
}

// The one way settings change (the Archives dialog, archive add/remove, config set): allowed to
// whoever may configure, and recorded as a Security Alert (Network Configuration).
Status AppConfig::save() const
{
    const auto auditor = security::currentAuditor();
    if (auditor)
        if (Status allowed = auditor->require(security::Permission::Configure, "change settings"); !allowed) return allowed;
    const Status saved = write();
    if (auditor) auditor->securityAlert(security::alert::networkConfiguration, "settings saved to " + m_path.toStdString(), saved);
    return saved;
}

Status AppConfig::write() const
{
    QJsonObject o;
    o["aeTitle"] = local.aeTitle;
    o["storagePort"] = local.port;
    o["listen"] = local.listen;
    if (!local.tlsCert.isEmpty()) o["tlsCertificate"] = local.tlsCert;
    if (!local.tlsKey.isEmpty()) o["tlsKey"] = local.tlsKey;
    if (!local.tlsCa.isEmpty()) o["tlsCa"] = local.tlsCa;
    if (!backup.folder.isEmpty() || backup.everyHours > 0) o["backup"] = QJsonObject{{"folder", backup.folder}, {"everyHours", backup.everyHours}};
    if (hl7 != Hl7Settings{}) {
        QJsonArray senders;
        for (const Hl7Sender& x : hl7.senders)
            senders.append(QJsonObject{{"name", x.name}, {"hosts", QJsonArray::fromStringList(x.hosts)}, {"application", x.application}, {"facility", x.facility}});
        o["hl7"] = QJsonObject{{"port", hl7.port}, {"listen", hl7.listenAddress}, {"senders", senders}};
    }
    if (!worklists.empty()) {
        QJsonArray sources;
        for (const WorklistSource& w : worklists) {
            QJsonObject x{{"name", w.name},           {"archive", w.archive},
                          {"stationAe", w.stationAe}, {"modality", w.modality},
                          {"lookAheadHours", w.lookAheadHours}, {"intervalSeconds", w.intervalSeconds}};
            if (w.studies()) {
                x["kind"] = w.kind;
                x["lookBackHours"] = w.lookBackHours;
            }
            sources.append(x);
        }
        o["worklists"] = sources;
    }
    QJsonArray list;
    QStringList referenced;
    m_notes.clear();
    for (const ArchiveEntry& e : archives) {
        QJsonObject a;
        a["name"] = e.name;
        a["timeout"] = e.timeoutSeconds;
        if (e.hasDimse())
        {
            QJsonArray accepts;
            if (e.acceptsEcho) accepts.append("echo");
            if (e.acceptsStore) accepts.append("store");
            QJsonObject d{{"aeTitle", e.aeTitle}, {"host", e.host},         {"port", e.port},       {"tls", e.tls},
                          {"caFile", e.caFile},   {"certFile", e.certFile}, {"keyFile", e.keyFile}, {"verify", e.verify}};
            d["accepts"] = accepts;
            d["from"] = QJsonArray::fromStringList(e.fromHosts);
            d["priors"] = e.priors;
            a["dimse"] = d;
        }
        if (e.hasWeb()) {
            QJsonObject w{{"url", e.url}, {"caFile", e.webCaFile}, {"verify", e.webVerify}};
            if (!e.user.isEmpty()) w["user"] = e.user;
            for (const auto& [kind, value, unread] : {std::tuple{"password", &e.password, &e.unreadPassword}, {"token", &e.token, &e.unreadToken}}) {
                if (value->isEmpty()) {
                    if (unread->isUndefined() || unread->isNull()) continue;
                    w[kind] = *unread;  // kept until a new value is given
                    if (unread->isObject()) referenced << unread->toObject()["keyStore"].toString();
                    continue;
                }
                auto stored = storeArchiveSecret(m_path, e.name, kind, *value);
                if (!stored) return stored.error();
                w[kind] = stored->stored;
                if (!stored->keyStoreName.isEmpty()) referenced << stored->keyStoreName;
                else m_notes << QStringLiteral("the %1 for %2 is sealed in the settings file with %3.key: %4").arg(kind, e.name, m_path, stored->fallbackReason);
            }
            a["dicomweb"] = w;
        }
        list.append(a);
    }
    o["archives"] = list;
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile f(m_path);
    if (!f.open(QIODevice::WriteOnly)) return makeError("config", "cannot write " + m_path.toStdString());
    f.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
    if (!f.commit()) return makeError("config", "cannot write " + m_path.toStdString() + ": " + f.errorString().toStdString());
    // Key store entries the file no longer refers to (an archive removed, a password replaced by a
    // token or sealed instead) are removed only now that the file no longer names them.
    for (const QString& name : std::as_const(m_keyStoreNames))
        if (!referenced.contains(name)) forgetArchiveSecret(name);
    m_keyStoreNames = referenced;
    return Done{};
}

const ArchiveEntry* AppConfig::find(const QString& name) const
{
    for (const ArchiveEntry& e : archives)
        if (e.name == name) return &e;
    return nullptr;
}

const WorklistSource* AppConfig::worklist(const QString& name) const
{
    for (const WorklistSource& w : worklists)
        if (w.name == name) return &w;
    return nullptr;
}

std::vector<net::ListenerPeer> AppConfig::listenerPeers() const
{
    std::vector<net::ListenerPeer> peers;
    for (const ArchiveEntry& e : archives) {
        if (!e.mayCall()) continue;
        net::ListenerPeer p;
        p.name = e.name.toStdString();
        p.aeTitle = e.aeTitle.toStdString();
        p.hosts.push_back(e.host.toStdString());
        for (const QString& h : e.fromHosts) p.hosts.push_back(h.toStdString());
        p.echo = e.acceptsEcho;
        p.store = e.acceptsStore;
        peers.push_back(std::move(p));
    }
    return peers;
}

bool AppConfig::trustedForPriors(const std::string& source) const
{
    if (source.rfind("store:", 0) == 0) {
        const ArchiveEntry* e = find(QString::fromStdString(source.substr(6)));
        return e && e->priors;
    }
    return source != "listener" && source != "listen";
}

void AppConfig::put(const ArchiveEntry& entry)
{
    for (ArchiveEntry& e : archives)
        if (e.name == entry.name) {
            e = entry;
            return;
        }
    archives.push_back(entry);
}

bool AppConfig::remove(const QString& name)
{
    const auto before = archives.size();
    archives.erase(std::remove_if(archives.begin(), archives.end(), [&](const ArchiveEntry& e) { return e.name == name; }), archives.end());
    return archives.size() != before;
}

}  // namespace lightbox::app
