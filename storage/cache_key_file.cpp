#include "cache_key_file.h"

#include "cache_keys.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace lightbox::storage {

Result<CacheKeyFile> readCacheKeyFile(const std::string& folder)
{
    QFile f(QString::fromStdString(folder + "/" + kCacheKeyFileName));
    if (!f.open(QIODevice::ReadOnly)) return makeError("no-key-file", "the cache in " + folder + " has no readable key file (" + kCacheKeyFileName + ")");
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    CacheKeyFile file;
    file.format = o.value("format").toInt();
    file.keyId = o.value("keyId").toString().toStdString();
    if (file.format != 1 || file.keyId.empty()) return makeError("bad-key-file", "the key file of the cache in " + folder + " is damaged or of an unknown format");
    for (const QJsonValue& v : o.value("doors").toArray()) {
        const QJsonObject d = v.toObject();
        auto wrapped = WrappedKey::fromJson(QJsonDocument(d.value("wrapped").toObject()).toJson(QJsonDocument::Compact).toStdString());
        if (!wrapped) return makeError("bad-key-file", "the key file of the cache in " + folder + " has a damaged door: " + wrapped.error().message);
        std::string entry = d.value("entry").toString().toStdString();
        if (entry.empty() && d.value("name").toString() == "keystore") entry = "cache-kek/" + file.keyId;  // the first format's name
        file.doors.push_back({d.value("name").toString().toStdString(), *wrapped, entry});
    }
    if (file.doors.empty()) return makeError("bad-key-file", "the key file of the cache in " + folder + " has no door");
    return file;
}

Status writeCacheKeyFile(const std::string& folder, const CacheKeyFile& file, bool exclusive)
{
    QJsonArray doors;
    for (const CacheDoor& d : file.doors)
    {
        QJsonObject o{{"name", QString::fromStdString(d.name)}, {"wrapped", QJsonDocument::fromJson(QByteArray::fromStdString(d.wrapped.toJson())).object()}};
        if (!d.entry.empty()) o["entry"] = QString::fromStdString(d.entry);
        doors.append(o);
    }
    const QByteArray json = QJsonDocument(QJsonObject{{"format", file.format}, {"keyId", QString::fromStdString(file.keyId)}, {"doors", doors}}).toJson();
    const std::string path = folder + "/" + kCacheKeyFileName;
    if (exclusive) {
        const std::string aside = path + ".new-" + std::to_string(::getpid());
        ::unlink(aside.c_str());
        const int fd = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return makeError("key-file", "cannot create " + aside);
        const bool ok = ::write(fd, json.constData(), std::size_t(json.size())) == json.size() && ::fsync(fd) == 0;
        ::close(fd);
        const int linked = ok ? ::link(aside.c_str(), path.c_str()) : -1;
        const int err = errno;
        ::unlink(aside.c_str());
        if (!ok) return makeError("key-file", "cannot write " + aside);
        if (linked != 0) return err == EEXIST ? makeError("exists", path + " exists") : makeError("key-file", "cannot create " + path);
        if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
            ::fsync(dir);
            ::close(dir);
        }
        return Done{};
    }
    QSaveFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size() || !f.commit()) return makeError("key-file", "cannot write " + path);
    ::chmod(path.c_str(), 0600);
    return Done{};
}

bool hasPassphraseDoor(const CacheKeyFile& file)
{
    for (const CacheDoor& d : file.doors)
        if (d.wrapped.kdf == "argon2id") return true;
    return false;
}

std::optional<CacheKey> openWithPassphrase(const CacheKeyFile& file, const std::string& passphrase)
{
    for (const CacheDoor& d : file.doors)
        if (d.wrapped.kdf == "argon2id")
            if (auto key = unwrapKey(d.wrapped, passphrase)) return *key;
    return std::nullopt;
}

}  // namespace lightbox::storage
