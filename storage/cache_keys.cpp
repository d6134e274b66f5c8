#include "cache_keys.h"

#include "cache_key_file.h"
#include "sealed_file.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

struct Keyring {
    std::mutex mutex;
    std::map<std::string, CacheKey> keys;  // by normalised folder
    CacheKeyProvider provider;
    bool unsealerSet = false;
};

Keyring& keyring()
{
    static Keyring k;
    return k;
}

std::string normalised(const std::string& folder)
{
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(folder, ec), ec);
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

// The plaintext of a sealed file: with the key of the cache folder it lies in, else with each
// key this process holds (a copy outside its cache, e.g. a backup); a wrong key fails its tag.
Result<std::vector<char>> unseal(const std::string& path)
{
    const std::string where = normalised(path);
    // The sealed cache (or backup) folder holding the file is unlocked the usual way if it is not yet.
    for (fs::path dir = fs::path(where).parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
        if (cacheIsSealed(dir.string())) {
            if (!rememberedCacheKey(dir.string()))
                if (auto key = cacheKeyForOpening(dir.string(), false); !key) return key.error();
            break;
        }
    std::vector<CacheKey> candidates;
    {
        std::lock_guard lock(keyring().mutex);
        for (const auto& [folder, key] : keyring().keys)
            if (where.rfind(folder + "/", 0) == 0) candidates.insert(candidates.begin(), key);
            else candidates.push_back(key);
    }
    if (candidates.empty()) return makeError("locked", path + " is encrypted and its cache is locked (no key unlocked in this process)");
    std::optional<Error> first;  // the error with the key of the file's own folder, the likeliest
    for (const CacheKey& key : candidates) {
        auto plain = decryptToMemory(path, key);
        if (plain) return plain;
        if (!first) first = plain.error();
    }
    return *first;
}

// Without the application's provider: LIGHTBOX_CACHE_PASSPHRASE, or locked.
Result<CacheKey> unlockWithEnvironmentPassphrase(const std::string& folder)
{
    const char* passphrase = std::getenv("LIGHTBOX_CACHE_PASSPHRASE");
    if (!passphrase) return makeError("locked", "the cache in " + folder + " is encrypted and locked (no LIGHTBOX_CACHE_PASSPHRASE)");
    auto file = readCacheKeyFile(folder);
    if (!file) return file.error();
    if (auto key = openWithPassphrase(*file, passphrase)) return *key;
    return makeError("wrong-passphrase", "LIGHTBOX_CACHE_PASSPHRASE does not open the encrypted cache in " + folder);
}

}  // namespace

bool cacheIsSealed(const std::string& folder)
{
    std::error_code ec;
    return fs::exists(fs::path(folder) / kCacheKeyFileName, ec);
}

void rememberCacheKey(const std::string& folder, const CacheKey& key)
{
    std::lock_guard lock(keyring().mutex);
    keyring().keys[normalised(folder)] = key;
    if (!keyring().unsealerSet) {
        setUnsealer(&unseal);
        keyring().unsealerSet = true;
    }
}

void forgetCacheKey(const std::string& folder)
{
    std::lock_guard lock(keyring().mutex);
    keyring().keys.erase(normalised(folder));
}

std::optional<CacheKey> rememberedCacheKey(const std::string& folder)
{
    std::lock_guard lock(keyring().mutex);
    auto it = keyring().keys.find(normalised(folder));
    if (it == keyring().keys.end()) return std::nullopt;
    return it->second;
}

void setCacheKeyProvider(CacheKeyProvider provider)
{
    std::lock_guard lock(keyring().mutex);
    keyring().provider = std::move(provider);
    if (!keyring().unsealerSet) {  // files of caches not opened yet are unlocked on first read
        setUnsealer(&unseal);
        keyring().unsealerSet = true;
    }
}

Result<std::optional<CacheKey>> cacheKeyForOpening(const std::string& folder, bool isNew)
{
    if (auto key = rememberedCacheKey(folder)) {
        if (cacheIsSealed(folder)) return std::optional<CacheKey>(*key);
        forgetCacheKey(folder);  // the folder was wiped or replaced meanwhile: that key is not its key
    }
    CacheKeyProvider provider;
    {
        std::lock_guard lock(keyring().mutex);
        provider = keyring().provider;
    }
    if (cacheIsSealed(folder)) {
        if (!provider.unlock) provider.unlock = &unlockWithEnvironmentPassphrase;
        auto key = provider.unlock(folder);
        if (!key) return key.error();
        rememberCacheKey(folder, *key);
        return std::optional<CacheKey>(*key);
    }
    if (!isNew || !provider.create) return std::optional<CacheKey>();
    auto key = provider.create(folder);
    if (!key) return key.error();
    if (*key) rememberCacheKey(folder, **key);
    return *key;
}

bool cacheFolderIsNew(const std::string& folder)
{
    // No index and no stored files: an index that was deleted (to be rebuilt) leaves a cache as it
    // was, plain or sealed, never turns it into a new one.
    std::error_code ec;
    return !fs::exists(folder + "/index.sqlite", ec) && !fs::exists(folder + "/files", ec) && !cacheIsSealed(folder);
}

Result<Database> openCacheIndex(const std::string& folder, bool create)
{
    auto key = cacheKeyForOpening(folder, create && cacheFolderIsNew(folder));
    if (!key) return key.error();
    return Database::open(folder + "/index.sqlite", create, *key ? &**key : nullptr);
}

std::string keyedNameDigest(const CacheKey& key, const std::string& text)
{
    static const char kLabel[] = "lightbox file names v1";
    unsigned char nameKey[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(kLabel), sizeof kLabel - 1, nameKey, &n);
    unsigned char mac[32];
    HMAC(EVP_sha256(), nameKey, int(sizeof nameKey), reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &n);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 20; ++i) {  // 160 bits, the length of the SHA-1 names
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 15];
    }
    return out;
}

}  // namespace lightbox::storage
