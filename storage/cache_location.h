#pragma once
// Where the local study cache lives: --cache DIR, else $LIGHTBOX_CACHE, else the per-user data
// folder (~/.local/share/lightbox on Linux).
#include <QString>

namespace lightbox::storage {

QString defaultCacheDir();
QString resolveCacheDir(const QString& requested);  // requested may be empty

// The demo study's folder inside a cache.
QString demoStudyDir(const QString& cacheDir);

}  // namespace lightbox::storage
