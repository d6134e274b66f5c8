// lightbox users add|remove|list|passwd|role|totp|unlock|policy: Lightbox's accounts, for an
// administrator (the first administrator needs no sign-in). Every change is audited.
#include "cli_args.h"
#include "cli_session.h"
#include "cli_output.h"
#include "commands.h"
#include "credentials.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <iostream>

namespace lightbox::app {

namespace {

using security::AccountSource;
using security::Role;

// The new password: the first line of standard input (so that scripts and tests can give it).
std::optional<std::string> newPassword()
{
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    return line;
}

std::unique_ptr<security::AccountStore> openStore(QString& error)
{
    auto store = security::AccountStore::open(commandAuditor().securityDir());
    if (!store) {
        error = QString::fromStdString(store.error().message);
        return nullptr;
    }
    return std::move(*store);
}

// Records a change to users or the policy and reports its outcome.
int finish(const security::AuditCode& type, const std::string& what, const Status& s, const QString& done)
{
    commandAuditor().securityAlert(type, what, s);
    if (!s) return fail(QString::fromStdString(s.error().message));
    out() << done << '\n';
    return 0;
}

int addUser(const CliArgs& a, security::AccountStore& store)
{
    const QString name = a.positional().value(1);
    const auto role = security::roleFromName(a.value("--role").value_or("").toStdString());
    if (name.isEmpty() || !role) return fail("usage: lightbox users add NAME --role radiologist|technologist|administrator [--system]", 2);
    if (!store.hasUsers() && *role != Role::Administrator)
        return fail("the first Lightbox user must be an administrator (--role administrator)", 2);
    const AccountSource source = a.flag("--system") ? AccountSource::System : AccountSource::Local;
    std::string password;
    if (source == AccountSource::Local) {
        auto p = newPassword();
        if (!p) return fail("give the new user's password on standard input", 2);
        password = *p;
    }
    const Status s = store.add(name.toStdString(), *role, source, password);
    return finish(security::alert::userSecurityAttributes, "user " + name.toStdString() + " added as " + security::roleName(*role), s,
                  "added " + name + " (" + QString::fromStdString(security::roleName(*role)) + (source == AccountSource::System ? ", system sign-in)" : ")"));
}

int listUsers(const CliArgs& a, security::AccountStore& store)
{
    const auto users = store.list();
    if (a.flag("--json")) {
        QJsonArray arr;
        for (const auto& u : users)
            arr.append(QJsonObject{{"name", QString::fromStdString(u.name)},
                                   {"role", QString::fromStdString(security::roleName(u.role))},
                                   {"signIn", u.source == AccountSource::System ? "system" : "local"},
                                   {"totp", u.totpEnrolled},
                                   {"recoveryCodesLeft", u.recoveryCodesLeft},
                                   {"failures", u.failures},
                                   {"lockedUntil", double(u.lockedUntil)}});
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return 0;
    }
    for (const auto& u : users) {
        out() << QString::fromStdString(u.name) << "  " << QString::fromStdString(security::roleName(u.role))
              << (u.source == AccountSource::System ? "  system sign-in" : "") << (u.totpEnrolled ? "  TOTP" : "")
              << (u.lockedUntil > std::time(nullptr) ? "  LOCKED" : "") << '\n';
    }
    return 0;
}

int changePassword(const CliArgs& a, security::AccountStore& store)
{
    const QString name = a.positional().value(1);
    if (name.isEmpty()) return fail("usage: lightbox users passwd NAME (new password on standard input)", 2);
    // One's own password, or anyone's for a user manager.
    if (name.toStdString() != commandAuditor().identity().user)
        if (Status s = commandAuditor().require(security::Permission::ManageUsers, "password of " + name.toStdString()); !s)
            return fail(QString::fromStdString(s.error().message), 3);
    auto p = newPassword();
    if (!p) return fail("give the new password on standard input", 2);
    return finish(security::alert::userSecurityAttributes, "password of " + name.toStdString() + " changed", store.setPassword(name.toStdString(), *p),
                  "password changed for " + name);
}

int enrolTotp(const CliArgs& a, security::AccountStore& store)
{
    const QString name = a.positional().value(1);
    if (name.isEmpty()) return fail("usage: lightbox users totp NAME [--remove]", 2);
    if (a.flag("--remove"))
        return finish(security::alert::userSecurityAttributes, "second factor of " + name.toStdString() + " removed",
                      store.removeTotp(name.toStdString()), "second factor removed for " + name);
    auto e = store.enrolTotp(name.toStdString());
    commandAuditor().securityAlert(security::alert::userSecurityAttributes, "second factor of " + name.toStdString() + " enrolled",
                                   e ? Status(Done{}) : Status(e.error()));
    if (!e) return fail(QString::fromStdString(e.error().message));
    out() << "Scan this with an authenticator app (or type the secret):\n"
          << QString::fromStdString(security::qrForTerminal(e->uri)) << "secret: " << QString::fromStdString(e->secret) << '\n'
          << "uri:    " << QString::fromStdString(e->uri) << '\n'
          << "recovery codes (each works once; keep them apart from this machine):\n";
    for (const std::string& c : e->recoveryCodes) out() << "  " << QString::fromStdString(c) << '\n';
    return 0;
}

int setPolicy(const CliArgs& a, security::AccountStore& store)
{
    security::SecurityPolicy p = store.policy();
    bool changed = false;
    auto number = [&](const char* option, int& field) {
        if (auto v = a.value(option)) {
            field = v->toInt();
            changed = true;
        }
    };
    number("--idle-lock", p.idleLockMinutes);
    number("--max-failures", p.maxFailures);
    number("--lockout", p.lockoutMinutes);
    if (auto v = a.value("--pam-service")) {
        p.pamService = v->toStdString();
        changed = true;
    }
    if (auto v = a.value("--require-totp")) {
        p.totpRequiredFor.clear();
        for (const QString& r : v->split(',', Qt::SkipEmptyParts)) {
            if (r == "none") continue;
            auto role = security::roleFromName(r.toStdString());
            if (!role) return fail("unknown role '" + r + "'", 2);
            p.totpRequiredFor.push_back(*role);
        }
        changed = true;
    }
    if (changed) {
        const Status s = store.setPolicy(p);
        commandAuditor().securityAlert(security::alert::securityConfiguration, "security policy changed", s);
        if (!s) return fail(QString::fromStdString(s.error().message));
    }
    QString roles;
    for (Role r : p.totpRequiredFor) roles += (roles.isEmpty() ? "" : ",") + QString::fromStdString(security::roleName(r));
    out() << "idle lock: " << p.idleLockMinutes << " min\nlock-out: after " << p.maxFailures << " failures, for " << p.lockoutMinutes
          << " min\nsecond factor required for: " << (roles.isEmpty() ? "none" : roles) << "\nPAM service: " << QString::fromStdString(p.pamService) << '\n';
    return 0;
}

}  // namespace

int runUsers(const QStringList& args)
{
    CliArgs a(args, {"--role", "--idle-lock", "--max-failures", "--lockout", "--require-totp", "--pam-service"}, {"--system", "--json", "--remove"});
    if (!a.ok()) return fail(a.error(), 2);
    QString error;
    auto store = openStore(error);
    if (!store) return fail(error);
    const QString sub = a.positional().value(0), name = a.positional().value(1);
    if (sub == "add") return addUser(a, *store);
    if (sub == "list") return listUsers(a, *store);
    if (sub == "passwd") return changePassword(a, *store);
    if (sub == "totp") return enrolTotp(a, *store);
    if (sub == "policy") return setPolicy(a, *store);
    if (sub == "remove" && !name.isEmpty()) {
        if (name.toStdString() == commandAuditor().identity().user) return fail("you cannot remove yourself", 2);
        return finish(security::alert::userSecurityAttributes, "user " + name.toStdString() + " removed", store->remove(name.toStdString()), "removed " + name);
    }
    if (sub == "unlock" && !name.isEmpty())
        return finish(security::alert::userSecurityAttributes, "user " + name.toStdString() + " unlocked", store->unlock(name.toStdString()), "unlocked " + name);
    if (sub == "role" && !name.isEmpty()) {
        const auto role = security::roleFromName(a.positional().value(2).toStdString());
        if (!role) return fail("usage: lightbox users role NAME radiologist|technologist|administrator", 2);
        return finish(security::alert::securityRolesChanged, "role of " + name.toStdString() + " set to " + security::roleName(*role),
                      store->setRole(name.toStdString(), *role), name + " is now " + QString::fromStdString(security::roleName(*role)));
    }
    return fail("usage: lightbox users add|remove|list|passwd|role|totp|unlock|policy (see README)", 2);
}

}  // namespace lightbox::app
