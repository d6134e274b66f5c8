// lightbox cache init [--no-encryption] and lightbox cache key status|add-recovery|set-passphrase|
// add-key-store|remove DOOR: the cache's encryption and the doors of its key (security/cache_unlock.h).
#include "cache_unlock.h"
#include "cli_args.h"
#include "cli_session.h"
#include "commands.h"

#include "cache.h"
#include "cache_key_file.h"
#include "cache_keys.h"
#include "cache_location.h"
#include "sealed_file.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cstdlib>
#include <iostream>

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// A new passphrase: one line of standard input (--passphrase-stdin), the environment variable,
// or typed twice at the terminal.
std::optional<std::string> newPassphrase(const CliArgs& a, const char* env, const QString& what)
{
    if (a.flag("--passphrase-stdin")) {
        std::string line;
        if (!std::getline(std::cin, line)) return std::nullopt;
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
        return line;
    }
    if (const char* v = std::getenv(env)) return std::string(v);
    auto first = promptOnTerminal(QStringLiteral("New %1: ").arg(what));
    if (!first) return std::nullopt;
    auto again = promptOnTerminal(QStringLiteral("The same %1 again: ").arg(what));
    if (!again || *again != *first) {
        QTextStream(stderr) << "lightbox: the two entries differ\n";
        return std::nullopt;
    }
    return first;
}

int keyStatus(const std::string& folder, bool json)
{
    QTextStream out(stdout);
    if (!storage::cacheIsSealed(folder) && !QFile::exists(q(folder + "/index.sqlite"))) return fail(QStringLiteral("there is no cache in %1").arg(q(folder)));
    if (!storage::cacheIsSealed(folder)) {
        if (json) out << QJsonDocument(QJsonObject{{"encrypted", false}}).toJson();
        else out << "the cache in " << q(folder) << " is not encrypted (it was created with encryption off)\n";
        return 0;
    }
    auto file = storage::readCacheKeyFile(folder);
    if (!file) return fail(q(file.error().message));
    QJsonArray doors;
    QStringList names;
    for (const storage::CacheDoor& d : file->doors) {
        QJsonObject o{{"name", q(d.name)}, {"kdf", q(d.wrapped.kdf)}};
        if (!d.entry.empty()) o["keyStoreEntry"] = q(d.entry);
        if (d.wrapped.kdf == "argon2id") {
            o["memoryKiB"] = int(d.wrapped.m);
            o["passes"] = int(d.wrapped.t);
        }
        doors.append(o);
        names << q(d.name);
    }
    if (json) {
        out << QJsonDocument(QJsonObject{{"encrypted", true}, {"keyId", q(file->keyId)}, {"doors", doors}}).toJson();
        return 0;
    }
    out << "the cache in " << q(folder) << " is encrypted (AES-256-GCM files, AES-256-CTR + HMAC-SHA256 index pages)\n"
        << "key " << q(file->keyId) << ", opened by: " << names.join(", ") << '\n';
    if (!names.contains("recovery")) out << "no recovery passphrase yet: lightbox cache key add-recovery\n";
    return 0;
}

}  // namespace

int runCacheInit(const QStringList& args)
{
    CliArgs a(args, {"--cache"}, {"--no-encryption"});
    if (!a.ok() || a.positional().size() != 1) return fail("usage: lightbox cache init [--no-encryption] [--cache DIR]", 2);
    const std::string folder = storage::resolveCacheDir(a.value("--cache").value_or(QString())).toStdString();
    if (storage::cacheIsSealed(folder) || QFile::exists(q(folder + "/index.sqlite")))
        return fail(QStringLiteral("a cache exists in %1 already").arg(q(folder)));
    if (a.flag("--no-encryption")) ::setenv("LIGHTBOX_CACHE_ENCRYPTION", "off", 1);
    auto cache = storage::Cache::open(folder);
    if (!cache) return fail(q(cache.error().message));
    QTextStream(stdout) << "created the cache in " << q(folder) << ((*cache)->store().sealed() ? ", encrypted\n" : ", NOT encrypted (--no-encryption)\n");
    return 0;
}

int runCacheKey(const QStringList& args)
{
    CliArgs a(args, {"--cache"}, {"--json", "--passphrase-stdin"});
    const QString usage = "usage: lightbox cache key [status [--json]|add-recovery|set-passphrase [--passphrase-stdin]|add-key-store|remove keystore|passphrase|recovery] [--cache DIR]";
    if (!a.ok()) return fail(usage, 2);
    const QString sub = a.positional().value(1, "status");
    const std::string folder = storage::resolveCacheDir(a.value("--cache").value_or(QString())).toStdString();
    if (sub == "status") return keyStatus(folder, a.flag("--json"));
    if (!storage::cacheIsSealed(folder)) return fail(QStringLiteral("the cache in %1 is not encrypted: it has no key").arg(q(folder)));
    Status done = makeError("usage", usage.toStdString());
    if (sub == "add-recovery" || sub == "set-passphrase") {
        const bool recovery = sub == "add-recovery";
        auto passphrase = newPassphrase(a, recovery ? "LIGHTBOX_CACHE_RECOVERY_PASSPHRASE" : "LIGHTBOX_CACHE_NEW_PASSPHRASE",
                                        recovery ? "recovery passphrase" : "cache passphrase");
        if (!passphrase) return fail("no passphrase given", 2);
        done = security::setCachePassphraseDoor(folder, recovery ? "recovery" : "passphrase", *passphrase);
    } else if (sub == "add-key-store") {
        done = security::setCacheKeyStoreDoor(folder);
    } else if (sub == "remove" && a.positional().size() == 3) {
        done = security::removeCacheDoor(folder, a.positional()[2].toStdString());
    } else {
        return fail(usage, 2);
    }
    if (!done) return fail(q(done.error().message));
    return keyStatus(folder, false);
}

}  // namespace lightbox::app
