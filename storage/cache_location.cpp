#include "cache_location.h"

#include <QDir>
#include <QStandardPaths>

namespace lightbox::storage {

QString defaultCacheDir()
{
    const QByteArray env = qgetenv("LIGHTBOX_CACHE");
    if (!env.isEmpty()) return QDir(QString::fromLocal8Bit(env)).absolutePath();
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/lightbox");
}

QString resolveCacheDir(const QString& requested)
{
    return requested.isEmpty() ? defaultCacheDir() : QDir(requested).absolutePath();
}

QString demoStudyDir(const QString& cacheDir) { return cacheDir + QStringLiteral("/demo/ct-chest-phantom"); }

}  // namespace lightbox::storage
