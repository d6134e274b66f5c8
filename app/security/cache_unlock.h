#pragma once
// Where the cache key lives (issue 11, point 2), and how a process gets it.
//
// key.json beside the cache index holds the one cache key, never in the clear, wrapped by each of
// its "doors" (storage/cache_crypto.h, WrappedKey):
//   keystore   a random KEK kept in the operating system's key store (key_store.h) under
//              "cache-kek/<key id>": opens the cache without a word on a desktop session;
//   passphrase an Argon2id-wrapped copy (LIGHTBOX_CACHE_PASSPHRASE, or typed at a prompt): the
//              door of headless servers and CI, where no key store can be reached;
//   recovery   the administrator's recovery passphrase (Argon2id), for a lost key store entry or
//              a forgotten passphrase: `lightbox cache key add-recovery`.
// Opening tries the key store, then LIGHTBOX_CACHE_PASSPHRASE against the passphrase and recovery
// doors, then asks (terminal or dialog) up to three times. A wrong passphrase never yields a
// wrong key: each wrap is authenticated.
//
// A new cache is encrypted unless LIGHTBOX_CACHE_ENCRYPTION=off is set when it is created (or it
// is made with `lightbox cache init --no-encryption`); it needs at least one door: the key store,
// or a passphrase from LIGHTBOX_CACHE_PASSPHRASE or the prompt (typed twice).
#include "cache_crypto.h"
#include "result.h"

#include <QString>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lightbox::security {

// Asks for a passphrase; nothing when nobody can be asked (no terminal, not the GUI thread).
using PassphrasePrompt = std::function<std::optional<std::string>(const QString& prompt)>;

// Registers the application's way to unlock and create caches with the storage library
// (storage/cache_keys.h). Call once at start-up, before any cache is opened.
void installCacheUnlock(PassphrasePrompt prompt);
// Unlocks (or creates the key of) the cache in `folder` now, e.g. on the GUI thread at start-up
// where a dialog may ask; the key is remembered for every later Cache::open in this process.
Status prepareCacheKey(const std::string& folder);

// Adds or replaces a passphrase door ("passphrase" or "recovery") of an unlocked cache.
Status setCachePassphraseDoor(const std::string& folder, const std::string& door, const std::string& passphrase);
// Adds or replaces the key store door of an unlocked cache (a new KEK in the key store).
Status setCacheKeyStoreDoor(const std::string& folder);
// Removes a door; the last one cannot go.
Status removeCacheDoor(const std::string& folder, const std::string& door);

}  // namespace lightbox::security
