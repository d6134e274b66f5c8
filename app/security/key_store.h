#pragma once
// The operating system's key store (Secret Service through libsecret here — gnome-keyring or
// KWallet —, Keychain on macOS, the Credential Store/DPAPI on Windows) through qtkeychain-qt6.
// Calls are synchronous with a timeout and may come from any thread, GUI or worker.
//
// When no key store can be reached — LIGHTBOX_KEY_STORE=off, on Linux no DBUS_SESSION_BUS_ADDRESS
// (a bus is never autolaunched), no D-Bus session bus, no Secret Service on it, a daemon that
// does not answer in time: a headless server, CI — the answer is an error with code "unavailable",
// and callers fall back: the cache key to a passphrase (LIGHTBOX_CACHE_PASSPHRASE or a prompt),
// archive secrets to the settings file's sealed copy (storage::SecretBox).
//
// qtkeychain runs its jobs one at a time through a process-wide executor bound to the thread that
// first uses it, and a job's callbacks hold raw pointers, so a job cannot be cancelled. Hence every
// job here runs on one private thread with its own event loop (created on first use, stopped when
// the QCoreApplication goes), callers wait for it with a timeout, and after a job timed out the key
// store answers "unavailable" at once until that job has finished.
#include "result.h"

#include <QByteArray>
#include <QString>

namespace lightbox::security {

struct KeyStoreOptions {
    int timeoutMs = 5000;
};

// Error codes: "unavailable" (no key store reachable, or no answer within the timeout), "not-found"
// (readSecret of an entry that does not exist; deleting one is not an error), "denied" (the store is locked and was
// not unlocked, or access was refused), "key-store" (anything else).
Status storeSecret(const QString& service, const QString& name, const QByteArray& bytes, const KeyStoreOptions& options = {});
Result<QByteArray> readSecret(const QString& service, const QString& name, const KeyStoreOptions& options = {});
Status deleteSecret(const QString& service, const QString& name, const KeyStoreOptions& options = {});

}  // namespace lightbox::security
