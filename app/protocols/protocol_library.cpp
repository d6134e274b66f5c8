#include "protocol_library.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

namespace lightbox::app {

namespace {

void readFolder(const QString& folder, bool user, ProtocolLibrary& lib)
{
    const QDir dir(folder);
    for (const QString& name : dir.entryList({"*.json"}, QDir::Files, QDir::Name)) {
        const QString path = dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            lib.problems << path + ": cannot be read";
            continue;
        }
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            lib.problems << path + ": not a JSON object (" + err.errorString() + ")";
            continue;
        }
        auto p = protocolFromJson(doc.object());
        if (!p) {
            lib.problems << path + ": " + QString::fromStdString(p.error().message);
            continue;
        }
        p->file = path;
        p->user = user;
        auto same = std::find_if(lib.protocols.begin(), lib.protocols.end(), [&](const HangingProtocol& x) { return x.name == p->name; });
        if (same != lib.protocols.end()) *same = *p;
        else lib.protocols.push_back(*p);
    }
}

}  // namespace

ProtocolLibrary ProtocolLibrary::load(const QString& userFolder)
{
    ProtocolLibrary lib;
    readFolder(":/protocols", false, lib);
    if (!userFolder.isEmpty()) readFolder(userFolder, true, lib);
    return lib;
}

QString ProtocolLibrary::userFolderFor(const QString& configPath)
{
    return QFileInfo(configPath).absolutePath() + "/protocols";
}

const HangingProtocol* ProtocolLibrary::find(const QString& name) const
{
    for (const HangingProtocol& p : protocols)
        if (p.name.compare(name, Qt::CaseInsensitive) == 0) return &p;
    return nullptr;
}

Result<QString> ProtocolLibrary::save(const HangingProtocol& p, const QString& userFolder)
{
    if (!QDir().mkpath(userFolder)) return makeError("protocol", "cannot create " + userFolder.toStdString());
    QString base = p.name.toLower();
    base.replace(QRegularExpression("[^a-z0-9]+"), "-");
    const QString path = userFolder + "/" + base + ".json";
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return makeError("protocol", "cannot write " + path.toStdString());
    f.write(QJsonDocument(protocolToJson(p)).toJson(QJsonDocument::Indented));
    if (!f.commit()) return makeError("protocol", "cannot write " + path.toStdString());
    return path;
}

}  // namespace lightbox::app
