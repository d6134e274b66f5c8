#pragma once
// key.json: the wrapped copies ("doors") of a cache's key, kept beside its index (cache_keys.h).
// {"format": 1, "keyId": "<32 hex>", "doors": [{"name": "keystore"|"passphrase"|"recovery",
//  "wrapped": WrappedKey (cache_crypto.h)}, ...]}. It holds no key in the clear: each door is the
// key encrypted (AES-256-GCM) under a key-encryption key from the key store or from Argon2id of a
// passphrase. The storage library reads and writes it; app/security/cache_unlock.h decides which
// doors a cache gets.
#include "cache_crypto.h"
#include "result.h"

#include <optional>
#include <string>
#include <vector>

namespace lightbox::storage {

struct CacheDoor {
    std::string name;  // "keystore", "passphrase", "recovery"
    WrappedKey wrapped;
    std::string entry;  // keystore: the key store entry holding its KEK (each door its own)
};

struct CacheKeyFile {
    int format = 1;
    std::string keyId;  // random, names the key store entry (a restored copy elsewhere finds it)
    std::vector<CacheDoor> doors;
};

Result<CacheKeyFile> readCacheKeyFile(const std::string& folder);
// Written atomically, 0600; `exclusive` fails ("exists") if one exists already (two processes
// creating): the whole file appears at once (written aside, then linked), never half of it.
Status writeCacheKeyFile(const std::string& folder, const CacheKeyFile& file, bool exclusive = false);

bool hasPassphraseDoor(const CacheKeyFile& file);
// The key, from whichever passphrase door (passphrase or recovery) the passphrase opens.
std::optional<CacheKey> openWithPassphrase(const CacheKeyFile& file, const std::string& passphrase);

}  // namespace lightbox::storage
