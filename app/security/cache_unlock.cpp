#include "cache_unlock.h"

#include "cache_key_file.h"
#include "cache_keys.h"
#include "key_store.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace lightbox::security {

using storage::CacheDoor;
using storage::CacheKeyFile;
using storage::hasPassphraseDoor;
using storage::openWithPassphrase;
using storage::readCacheKeyFile;
using storage::writeCacheKeyFile;

namespace {

const QString kService = "lightbox";

PassphrasePrompt& prompt()
{
    static PassphrasePrompt p;
    return p;
}


std::string randomHex(int bytes)
{
    std::vector<unsigned char> b(std::size_t(bytes), 0);
    RAND_bytes(b.data(), bytes);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

// Each key store door has an entry of its own: a backup or restored copy keeps using the entry of
// the door it was made with, whatever later changes to the live cache's doors.
std::string newKekEntry(const std::string& keyId) { return "cache-kek/" + keyId + "/" + randomHex(8); }

Result<storage::CacheKey> unlock(const std::string& folder)
{
    auto file = readCacheKeyFile(folder);
    if (!file) return file.error();
    std::string keyStoreProblem;
    for (const CacheDoor& d : file->doors) {
        if (d.name != "keystore") continue;
        auto kek = readSecret(kService, QString::fromStdString(d.entry));
        if (!kek) {
            keyStoreProblem = kek.error().message;
            break;
        }
        storage::CacheKey k{};
        if (kek->size() != int(k.size())) {
            keyStoreProblem = "the key store entry is not a key";
            break;
        }
        std::copy(kek->begin(), kek->end(), k.begin());
        if (auto key = storage::unwrapKeyWithKek(d.wrapped, k)) return *key;
        keyStoreProblem = "the key store entry does not open this cache";
    }
    if (const char* env = std::getenv("LIGHTBOX_CACHE_PASSPHRASE")) {
        if (auto key = openWithPassphrase(*file, env)) return *key;
        if (hasPassphraseDoor(*file))
            return makeError("wrong-passphrase", "LIGHTBOX_CACHE_PASSPHRASE does not open the encrypted cache in " + folder);
    }
    if (prompt() && hasPassphraseDoor(*file)) {
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto typed = prompt()(QString("Passphrase of the encrypted cache in %1: ").arg(QString::fromStdString(folder)));
            if (!typed) break;
            if (auto key = openWithPassphrase(*file, *typed)) return *key;
        }
    }
    std::string why = "the cache in " + folder + " is encrypted and stays locked: ";
    why += keyStoreProblem.empty() ? "it has no key store entry here" : "its key store entry cannot be used (" + keyStoreProblem + ")";
    why += hasPassphraseDoor(*file) ? ", and no passphrase opened it (set LIGHTBOX_CACHE_PASSPHRASE, or run where it can be asked)"
                                    : ", and it has no passphrase door (an administrator's recovery passphrase opens it: LIGHTBOX_CACHE_PASSPHRASE)";
    return makeError("locked", why);
}

bool encryptionOff()
{
    const char* v = std::getenv("LIGHTBOX_CACHE_ENCRYPTION");
    if (!v) return false;
    const std::string s = v;
    return s == "off" || s == "0" || s == "no" || s == "plain";
}

Result<std::optional<storage::CacheKey>> create(const std::string& folder)
{
    if (encryptionOff()) return std::optional<storage::CacheKey>();
    auto key = storage::newCacheKey();
    if (!key) return key.error();
    CacheKeyFile file;
    file.keyId = randomHex(16);
    if (auto kek = storage::newCacheKey()) {
        const QByteArray bytes(reinterpret_cast<const char*>(kek->data()), int(kek->size()));
        const std::string entry = newKekEntry(file.keyId);
        if (storeSecret(kService, QString::fromStdString(entry), bytes))
            if (auto wrapped = storage::wrapKeyWithKek(*key, *kek)) file.doors.push_back({"keystore", *wrapped, entry});
    }
    std::optional<std::string> passphrase;
    if (const char* env = std::getenv("LIGHTBOX_CACHE_PASSPHRASE")) passphrase = std::string(env);
    else if (file.doors.empty() && prompt()) {
        auto first = prompt()(QString("No key store here: choose a passphrase for the new encrypted cache in %1: ").arg(QString::fromStdString(folder)));
        auto again = first ? prompt()(QStringLiteral("The same passphrase again: ")) : std::nullopt;
        if (first && again && *first != *again) return makeError("passphrase-mismatch", "the two passphrases differ; the cache was not created");
        passphrase = first;
    }
    if (passphrase && passphrase->size() < 8)
        return makeError("passphrase-short", "a cache passphrase has at least 8 characters; the cache was not created");
    if (passphrase) {
        auto wrapped = storage::wrapKey(*key, *passphrase);
        if (!wrapped) return wrapped.error();
        file.doors.push_back({"passphrase", *wrapped, {}});
    }
    if (file.doors.empty())
        return makeError("no-key-door", "a new cache is encrypted and its key needs a home: no key store can be reached here, and no passphrase was given "
                                        "(set LIGHTBOX_CACHE_PASSPHRASE, or LIGHTBOX_CACHE_ENCRYPTION=off for a plain cache)");
    if (Status s = writeCacheKeyFile(folder, file, true); !s) {
        if (s.error().code == "exists") {  // another process created the cache at the same moment
            auto theirs = unlock(folder);
            if (!theirs) return theirs.error();
            return std::optional<storage::CacheKey>(*theirs);
        }
        return s.error();
    }
    return std::optional<storage::CacheKey>(*key);
}

}  // namespace

void installCacheUnlock(PassphrasePrompt p)
{
    prompt() = std::move(p);
    storage::setCacheKeyProvider({&unlock, &create});
}

Status prepareCacheKey(const std::string& folder)
{
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
    auto key = storage::cacheKeyForOpening(folder, storage::cacheFolderIsNew(folder));
    if (!key) return key.error();
    return Done{};
}

namespace {

Result<std::pair<CacheKeyFile, storage::CacheKey>> unlockedKeyFile(const std::string& folder)
{
    auto file = readCacheKeyFile(folder);
    if (!file) return file.error();
    auto key = storage::rememberedCacheKey(folder);
    if (!key) {
        auto opened = unlock(folder);
        if (!opened) return opened.error();
        storage::rememberCacheKey(folder, *opened);
        key = *opened;
    }
    return std::make_pair(*file, *key);
}

void replaceDoor(CacheKeyFile& file, CacheDoor door)
{
    for (CacheDoor& d : file.doors)
        if (d.name == door.name) {
            d = std::move(door);
            return;
        }
    file.doors.push_back(std::move(door));
}

}  // namespace

Status setCachePassphraseDoor(const std::string& folder, const std::string& door, const std::string& passphrase)
{
    if (door != "passphrase" && door != "recovery") return makeError("bad-door", "a passphrase door is 'passphrase' or 'recovery'");
    if (passphrase.size() < 8) return makeError("passphrase-short", "a cache passphrase has at least 8 characters");
    auto opened = unlockedKeyFile(folder);
    if (!opened) return opened.error();
    auto wrapped = storage::wrapKey(opened->second, passphrase);
    if (!wrapped) return wrapped.error();
    replaceDoor(opened->first, {door, *wrapped, {}});
    return writeCacheKeyFile(folder, opened->first);
}

Status setCacheKeyStoreDoor(const std::string& folder)
{
    auto opened = unlockedKeyFile(folder);
    if (!opened) return opened.error();
    auto kek = storage::newCacheKey();
    if (!kek) return kek.error();
    // A new entry (the old one may still open a backup): stored first, then named in key.json.
    const std::string entry = newKekEntry(opened->first.keyId);
    if (Status s = storeSecret(kService, QString::fromStdString(entry), QByteArray(reinterpret_cast<const char*>(kek->data()), int(kek->size())));
        !s)
        return s;
    auto wrapped = storage::wrapKeyWithKek(opened->second, *kek);
    if (!wrapped) return wrapped.error();
    replaceDoor(opened->first, {"keystore", *wrapped, entry});
    return writeCacheKeyFile(folder, opened->first);
}

Status removeCacheDoor(const std::string& folder, const std::string& door)
{
    auto opened = unlockedKeyFile(folder);
    if (!opened) return opened.error();
    CacheKeyFile& file = opened->first;
    const auto before = file.doors.size();
    std::erase_if(file.doors, [&](const CacheDoor& d) { return d.name == door; });
    if (file.doors.size() == before) return makeError("no-door", "the cache has no '" + door + "' door");
    if (file.doors.empty()) return makeError("last-door", "the cache key needs at least one door; add another before removing '" + door + "'");
    // The key store entry stays: backups made while the door existed still open with it.
    return writeCacheKeyFile(folder, file);
}

}  // namespace lightbox::security
