#pragma once
// Which caches this process has unlocked, and how a cache gets its key (issue 11, point 2).
//
// A cache is encrypted ("sealed") when its folder holds key.json: the cache key, wrapped by the
// key store, passphrases and the recovery passphrase (app/security/cache_unlock.h writes it). The
// storage library keeps no policy of its own: Cache::open asks the provider the application
// registered here for the key of a sealed cache it has not unlocked yet, and for the key of a new
// cache (none: the cache is created plain, the explicit opt-out). With no provider (a library user,
// a unit test), unknown sealed caches are refused as locked and new caches are plain.
//
// Keys unlocked in this process are remembered (in memory only) by folder, and an unsealer is
// registered with imaging/sealed_file.h so that every reader of cached files gets plaintext.
#include "cache_crypto.h"
#include "result.h"
#include "sqlite_db.h"

#include <functional>
#include <optional>
#include <string>

namespace lightbox::storage {

constexpr const char* kCacheKeyFileName = "key.json";

// True when the folder holds a sealed cache (its key.json exists).
bool cacheIsSealed(const std::string& folder);

void rememberCacheKey(const std::string& folder, const CacheKey& key);
void forgetCacheKey(const std::string& folder);
std::optional<CacheKey> rememberedCacheKey(const std::string& folder);

struct CacheKeyProvider {
    // The key of a sealed cache (from key.json's wrapped copies); an error says why it stays locked.
    std::function<Result<CacheKey>(const std::string& folder)> unlock;
    // A new cache: its new key (key.json written), or nullopt for a plain cache.
    std::function<Result<std::optional<CacheKey>>(const std::string& folder)> create;
};
void setCacheKeyProvider(CacheKeyProvider provider);

// What Cache::open uses: the remembered key, or the provider's answer (then remembered). nullopt:
// a plain cache. `isNew`: the folder holds no index yet.
Result<std::optional<CacheKey>> cacheKeyForOpening(const std::string& folder, bool isNew);

// True when the folder holds no cache yet (no index, no stored files, no key file).
bool cacheFolderIsNew(const std::string& folder);

// Opens (creating if asked) the index of the cache in `folder`, sealed or plain as above. Every
// connection to a cache index goes through here (or passes the store's key).
Result<Database> openCacheIndex(const std::string& folder, bool create = true);

// The key that names files: HMAC-SHA256 under a subkey of the cache key, so a file's name does not
// confirm a guessed UID (plain caches use SHA-1 of the UID).
std::string keyedNameDigest(const CacheKey& key, const std::string& text);

}  // namespace lightbox::storage
