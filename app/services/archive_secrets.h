#pragma once
// Where archive passwords and tokens live (issue 11, point 3).
//
// In the operating system's key store (security/key_store.h), service "lightbox", name
// "archive/NAME/password" or "archive/NAME/token"; the settings file then holds only a reference,
// {"keyStore": "archive/NAME/password"}. Where no key store can be reached (a headless server, CI,
// a session without Secret Service) the secret is sealed into the settings file with
// storage::SecretBox as before ("v1:…", key file FILE.key beside it, 0600): the fallback is kept
// because such machines must still reach their archives, and a key file readable only by the user
// is what they can offer; the next save on a machine with a key store moves the secret there.
//
// A secret that cannot be read (the key store entry deleted or locked, the key file replaced) is
// not an error for the settings: the archive stays listed and only the secret is asked for again.
#include "result.h"

#include <QJsonValue>
#include <QString>

namespace lightbox::app {

// "archive/NAME/password" (kind "password" or "token").
QString archiveSecretName(const QString& archive, const QString& kind);

// The secret that `stored` (as read from the settings file `configPath`) stands for: empty when
// absent; an error saying where it could not be read from otherwise.
Result<QString> readArchiveSecret(const QString& configPath, const QJsonValue& stored);

struct StoredSecret {
    QJsonValue stored;  // what the settings file keeps
    QString keyStoreName;  // set when the secret is in the key store
    QString fallbackReason;  // set when it was sealed into the settings file instead
};

// Puts `value` in the key store, or seals it into the settings file when there is none.
Result<StoredSecret> storeArchiveSecret(const QString& configPath, const QString& archive, const QString& kind, const QString& value);

// Removes a secret that no archive refers to any more from the key store (best effort).
void forgetArchiveSecret(const QString& keyStoreName);

}  // namespace lightbox::app
