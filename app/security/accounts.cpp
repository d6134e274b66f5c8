#include "accounts.h"

#include "credentials.h"
#include "pam_auth.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::security {

namespace {

constexpr int kSchemaVersion = 1;

const char* kSchema = R"SQL(
CREATE TABLE users(
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  source TEXT NOT NULL,              -- 'local' or 'system' (PAM)
  password TEXT,                     -- Argon2id encoded; NULL for system accounts
  totp_secret TEXT,                  -- sealed base32 secret; NULL when not enrolled
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
);
CREATE TABLE recovery_codes(
  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at INTEGER
);
CREATE TABLE policy(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)SQL";

std::time_t clockOr(std::time_t now) { return now ? now : std::time(nullptr); }

std::string joinRoles(const std::vector<Role>& roles)
{
    std::string out;
    for (Role r : roles) out += (out.empty() ? "" : ",") + roleName(r);
    return out;
}

std::vector<Role> splitRoles(const std::string& text)
{
    std::vector<Role> roles;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        if (auto r = roleFromName(item)) roles.push_back(*r);
    return roles;
}

Error unknownUser(const std::string& name) { return makeError("no-user", "there is no user '" + name + "'"); }

Error lastAdministrator(const std::string& name)
{
    return makeError("last-administrator", name + " is the last administrator: make another administrator first");
}

}  // namespace

bool Identity::may(Permission p) const
{
    if (breakGlass) return p != Permission::ManageUsers && p != Permission::Configure && p != Permission::ReadAudit;
    return allows(role, p);
}

bool validUserName(const std::string& name)
{
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@'; });
}

Status checkPasswordRules(const std::string& password)
{
    if (password.size() < 10) return makeError("weak-password", "a password needs at least 10 characters");
    return Done{};
}

Result<std::unique_ptr<AccountStore>> AccountStore::open(const std::string& securityDir)
{
    std::error_code ec;
    std::filesystem::create_directories(securityDir, ec);
    if (ec) return makeError("security-dir", "cannot create " + securityDir + ": " + ec.message());
    ::chmod(securityDir.c_str(), 0700);  // accounts, keys and the audit trail: the user only
    const std::string path = securityDir + "/accounts.sqlite";
    auto db = storage::Database::open(path);
    if (!db) return db.error();
    ::chmod(path.c_str(), 0600);
    std::unique_ptr<AccountStore> store(new AccountStore(std::move(*db), securityDir));
    if (Status s = store->migrate(); !s) return s.error();
    return store;
}

AccountStore::AccountStore(storage::Database db, std::string dir)
    : m_db(std::move(db)), m_dir(std::move(dir)), m_box(m_dir + "/secrets.key")
{
}

Status AccountStore::migrate()
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    std::int64_t version = 0;
    {
        auto st = m_db.prepare("PRAGMA user_version");
        if (!st) return st.error();
        if (st->step()) version = st->integer(0);
    }
    if (version == 0) {
        if (Status s = m_db.exec(kSchema); !s) return s;
        if (Status s = m_db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)); !s) return s;
    } else if (version > kSchemaVersion) {
        return makeError("accounts-version", "the accounts file was written by a newer Lightbox");
    }
    return tx.commit();
}

bool AccountStore::hasUsers()
{
    auto st = m_db.cached("SELECT 1 FROM users LIMIT 1");
    return st && st->step();
}

bool AccountStore::hasAdministrator()
{
    auto st = m_db.cached("SELECT 1 FROM users WHERE role = 'administrator' LIMIT 1");
    return st && st->step();
}

std::vector<Account> AccountStore::list()
{
    std::vector<Account> out;
    auto st = m_db.cached(
        "SELECT name, role, source, totp_secret IS NOT NULL, failures, locked_until,"
        " (SELECT count(*) FROM recovery_codes r WHERE r.user = u.name AND r.used_at IS NULL) FROM users u ORDER BY name");
    while (st && st->step()) {
        Account a;
        a.name = st->text(0);
        a.role = roleFromName(st->text(1)).value_or(Role::Technologist);  // an unknown role gets the least
        a.source = st->text(2) == "system" ? AccountSource::System : AccountSource::Local;
        a.totpEnrolled = st->integer(3) != 0;
        a.failures = int(st->integer(4));
        a.lockedUntil = st->integer(5);
        a.recoveryCodesLeft = int(st->integer(6));
        out.push_back(a);
    }
    return out;
}

std::optional<Account> AccountStore::find(const std::string& name)
{
    for (Account& a : list())
        if (a.name == name) return a;
    return std::nullopt;
}

Status AccountStore::add(const std::string& name, Role role, AccountSource source, const std::string& password)
{
    if (!validUserName(name)) return makeError("bad-user-name", "a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'");
    if (find(name)) return makeError("user-exists", "there is already a user '" + name + "'");
    std::optional<std::string> hash;
    if (source == AccountSource::Local) {
        if (Status s = checkPasswordRules(password); !s) return s;
        auto h = hashPassword(password);
        if (!h) return h.error();
        hash = *h;
    }
    auto st = m_db.cached("INSERT INTO users(name, role, source, password, created) VALUES(?, ?, ?, ?, ?)");
    st->bind(1, name).bind(2, roleName(role)).bind(3, source == AccountSource::System ? "system" : "local").bind(4, hash).bind(5, std::int64_t(std::time(nullptr)));
    return st->run();
}

bool AccountStore::isLastAdministrator(const std::string& name)
{
    const auto a = find(name);
    if (!a || a->role != Role::Administrator) return false;
    for (const Account& other : list())
        if (other.name != name && other.role == Role::Administrator) return false;
    return true;
}

Status AccountStore::remove(const std::string& name)
{
    if (isLastAdministrator(name)) return lastAdministrator(name);
    auto st = m_db.cached("DELETE FROM users WHERE name = ?");
    st->bind(1, name);
    if (Status s = st->run(); !s) return s;
    if (m_db.changes() == 0) return unknownUser(name);
    return Done{};
}

Status AccountStore::setPassword(const std::string& name, const std::string& password)
{
    const auto a = find(name);
    if (!a) return unknownUser(name);
    if (a->source == AccountSource::System) return makeError("system-account", name + " signs in with the system's password; change it there");
    if (Status s = checkPasswordRules(password); !s) return s;
    auto h = hashPassword(password);
    if (!h) return h.error();
    auto st = m_db.cached("UPDATE users SET password = ?, failures = 0, locked_until = 0 WHERE name = ?");
    st->bind(1, *h).bind(2, name);
    return st->run();
}

Status AccountStore::setRole(const std::string& name, Role role)
{
    if (!find(name)) return unknownUser(name);
    if (role != Role::Administrator && isLastAdministrator(name)) return lastAdministrator(name);
    auto st = m_db.cached("UPDATE users SET role = ? WHERE name = ?");
    st->bind(1, roleName(role)).bind(2, name);
    return st->run();
}

Status AccountStore::unlock(const std::string& name)
{
    if (!find(name)) return unknownUser(name);
    auto st = m_db.cached("UPDATE users SET failures = 0, locked_until = 0 WHERE name = ?");
    st->bind(1, name);
    return st->run();
}

Result<TotpEnrolment> AccountStore::enrolTotp(const std::string& name)
{
    if (!find(name)) return unknownUser(name);
    TotpEnrolment e;
    e.secret = newTotpSecret();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    e.uri = totpUri(e.secret, name, host);
    e.recoveryCodes = newRecoveryCodes();
    auto sealed = m_box.seal(e.secret);
    if (!sealed) return sealed.error();
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    {
        auto st = m_db.cached("UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE name = ?");
        st->bind(1, *sealed).bind(2, name);
        if (Status s = st->run(); !s) return s.error();
    }
    {
        auto st = m_db.cached("DELETE FROM recovery_codes WHERE user = ?");
        st->bind(1, name);
        if (Status s = st->run(); !s) return s.error();
    }
    for (const std::string& code : e.recoveryCodes) {
        auto h = hashPassword(code);
        if (!h) return h.error();
        auto st = m_db.cached("INSERT INTO recovery_codes(user, code_hash) VALUES(?, ?)");
        st->bind(1, name).bind(2, *h);
        if (Status s = st->run(); !s) return s.error();
    }
    if (Status s = tx.commit(); !s) return s.error();
    return e;
}

Status AccountStore::removeTotp(const std::string& name)
{
    if (!find(name)) return unknownUser(name);
    auto st = m_db.cached("UPDATE users SET totp_secret = NULL, totp_last_step = 0 WHERE name = ?");
    st->bind(1, name);
    if (Status s = st->run(); !s) return s;
    auto codes = m_db.cached("DELETE FROM recovery_codes WHERE user = ?");
    codes->bind(1, name);
    return codes->run();
}

SecurityPolicy AccountStore::policy()
{
    SecurityPolicy p;
    auto st = m_db.cached("SELECT key, value FROM policy");
    while (st && st->step()) {
        const std::string key = st->text(0), value = st->text(1);
        if (key == "idle_lock_minutes") p.idleLockMinutes = std::atoi(value.c_str());
        else if (key == "max_failures") p.maxFailures = std::atoi(value.c_str());
        else if (key == "lockout_minutes") p.lockoutMinutes = std::atoi(value.c_str());
        else if (key == "totp_required_for") p.totpRequiredFor = splitRoles(value);
        else if (key == "pam_service") p.pamService = value;
    }
    return p;
}

Status AccountStore::setPolicy(const SecurityPolicy& p)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    const std::vector<std::pair<std::string, std::string>> values = {
        {"idle_lock_minutes", std::to_string(p.idleLockMinutes)}, {"max_failures", std::to_string(p.maxFailures)},
        {"lockout_minutes", std::to_string(p.lockoutMinutes)},    {"totp_required_for", joinRoles(p.totpRequiredFor)},
        {"pam_service", p.pamService}};
    for (const auto& [key, value] : values) {
        auto st = m_db.cached("INSERT INTO policy(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        st->bind(1, key).bind(2, value);
        if (Status s = st->run(); !s) return s;
    }
    return tx.commit();
}

Status AccountStore::recordFailure(const std::string& name, std::time_t now)
{
    const SecurityPolicy p = policy();
    auto st = m_db.cached(
        "UPDATE users SET failures = failures + 1,"
        " locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END WHERE name = ?");
    st->bind(1, p.maxFailures).bind(2, std::int64_t(now) + 60 * std::int64_t(p.lockoutMinutes)).bind(3, name);
    return st->run();
}

// True when a recovery code was used; an error when the code is neither a valid TOTP code nor an
// unused recovery code.
Result<bool> AccountStore::checkSecondFactor(const std::string& name, const std::string& code, std::time_t now)
{
    std::string sealed;
    std::int64_t lastStep = 0;
    {
        auto st = m_db.cached("SELECT totp_secret, totp_last_step FROM users WHERE name = ?");
        st->bind(1, name);
        if (!st->step()) return unknownUser(name);
        sealed = st->text(0);
        lastStep = st->integer(1);
    }
    if (code.empty()) return makeError("totp-needed", "a one-time code is needed (LIGHTBOX_TOTP, or a recovery code)");
    if (code.size() > 6) {  // a recovery code: single use
        std::int64_t row = 0;
        {
            auto st = m_db.cached("SELECT rowid, code_hash FROM recovery_codes WHERE user = ? AND used_at IS NULL");
            st->bind(1, name);
            while (st->step())
                if (passwordMatches(st->text(1), code)) {
                    row = st->integer(0);
                    break;
                }
        }
        if (!row) return makeError("recovery-wrong", "wrong or already used recovery code");
        auto use = m_db.cached("UPDATE recovery_codes SET used_at = ? WHERE rowid = ?");
        use->bind(1, std::int64_t(now)).bind(2, row);
        if (Status s = use->run(); !s) return s.error();
        return true;
    }
    auto secret = m_box.open(sealed);
    if (!secret) return secret.error();
    auto step = checkTotp(*secret, code, now, lastStep);
    if (!step) return step.error();
    auto st = m_db.cached("UPDATE users SET totp_last_step = ? WHERE name = ?");
    st->bind(1, *step).bind(2, name);
    if (Status s = st->run(); !s) return s.error();
    return false;
}

Result<Identity> AccountStore::signIn(const SignInRequest& request)
{
    const std::time_t now = clockOr(request.now);
    const auto account = find(request.user);
    if (!account) return makeError("wrong-password", "unknown user or wrong password");
    if (account->lockedUntil > now)
        return makeError("locked", "the account '" + request.user + "' is locked after repeated failed sign-ins; an administrator can unlock it");
    Status password = Done{};
    if (account->source == AccountSource::System) {
        password = pamAuthenticate(policy().pamService, request.user, request.password);
    } else {
        auto st = m_db.cached("SELECT password FROM users WHERE name = ?");
        st->bind(1, request.user);
        const std::string hash = st->step() ? st->text(0) : std::string();
        if (!passwordMatches(hash, request.password)) password = makeError("wrong-password", "unknown user or wrong password");
    }
    if (!password) {
        if (password.error().code == "wrong-password") recordFailure(request.user, now);
        return password.error();
    }
    Identity id{request.user, account->role, true, request.breakGlass, false};
    const auto& required = policy().totpRequiredFor;
    if (account->totpEnrolled) {
        auto second = checkSecondFactor(request.user, request.code, now);
        if (!second) {
            if (second.error().code != "totp-needed") recordFailure(request.user, now);
            return second.error();
        }
        id.usedRecoveryCode = *second;
    } else if (std::find(required.begin(), required.end(), account->role) != required.end()) {
        return makeError("totp-required", "the " + roleName(account->role) + " role requires a second factor: an administrator enrols it with 'lightbox users totp " + request.user + "'");
    }
    unlock(request.user);
    return id;
}

}  // namespace lightbox::security
