#include "archive_secrets.h"

#include "key_store.h"
#include "secret_box.h"

#include <QJsonObject>

namespace lightbox::app {

namespace {

const QString kService = "lightbox";

storage::SecretBox box(const QString& configPath) { return storage::SecretBox((configPath + ".key").toStdString()); }

}  // namespace

QString archiveSecretName(const QString& archive, const QString& kind) { return "archive/" + archive + "/" + kind; }

Result<QString> readArchiveSecret(const QString& configPath, const QJsonValue& stored)
{
    if (stored.isUndefined() || stored.isNull()) return QString();
    if (stored.isObject()) {
        const QString name = stored.toObject()["keyStore"].toString();
        if (name.isEmpty()) return makeError("secret", "the settings file names no key store entry");
        auto bytes = security::readSecret(kService, name);
        if (!bytes) return makeError(bytes.error().code, "the key store (" + bytes.error().message + ")");
        return QString::fromUtf8(*bytes);
    }
    auto plain = box(configPath).open(stored.toString().toStdString());
    if (!plain) return makeError(plain.error().code, box(configPath).keyFile() + " (" + plain.error().message + ")");
    return QString::fromStdString(*plain);
}

Result<StoredSecret> storeArchiveSecret(const QString& configPath, const QString& archive, const QString& kind, const QString& value)
{
    StoredSecret s;
    const QString name = archiveSecretName(archive, kind);
    const Status inStore = security::storeSecret(kService, name, value.toUtf8());
    if (inStore) {
        s.stored = QJsonObject{{"keyStore", name}};
        s.keyStoreName = name;
        return s;
    }
    auto sealed = box(configPath).seal(value.toStdString());
    if (!sealed) return sealed.error();
    s.stored = QString::fromStdString(*sealed);
    s.fallbackReason = QString::fromStdString(inStore.error().message);
    return s;
}

void forgetArchiveSecret(const QString& keyStoreName) { (void)security::deleteSecret(kService, keyStoreName); }

}  // namespace lightbox::app
