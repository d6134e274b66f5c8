#pragma once
// Lightbox's users: local accounts (Argon2id passwords) or accounts of the operating system
// (PAM: a hospital directory where the machine is joined to it), each with one role, an optional
// TOTP second factor with single-use recovery codes, and lock-out after repeated failures. Kept in
// accounts.sqlite in the security folder (mode 0600); second-factor secrets sealed with a key
// beside it. A machine without users runs as one user, the operating system's.
#include "roles.h"
#include "result.h"
#include "secret_box.h"
#include "sqlite_db.h"

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lightbox::security {

enum class AccountSource { Local, System };

struct Account {
    std::string name;
    Role role = Role::Radiologist;
    AccountSource source = AccountSource::Local;
    bool totpEnrolled = false;
    int failures = 0;
    std::int64_t lockedUntil = 0;  // Unix seconds; 0 when not locked
    int recoveryCodesLeft = 0;
};

// Whoever is signed in (or the operating-system user on a machine without Lightbox users).
struct Identity {
    std::string user;
    Role role = Role::Administrator;
    bool signedIn = false;     // false: no Lightbox users on this machine, the OS user acts
    bool breakGlass = false;   // emergency access: marked on every record it leaves
    bool usedRecoveryCode = false;
    bool may(Permission p) const;
};

struct SecurityPolicy {
    int idleLockMinutes = 15;
    int maxFailures = 5;
    int lockoutMinutes = 15;
    std::vector<Role> totpRequiredFor;  // roles that must sign in with a second factor
    std::string pamService = "lightbox";
};

struct TotpEnrolment {
    std::string secret, uri;
    std::vector<std::string> recoveryCodes;
};

struct SignInRequest {
    std::string user, password, code;  // code: TOTP or a recovery code
    bool breakGlass = false;
    std::time_t now = 0;                // 0: the clock
};

class AccountStore {
public:
    // Opens (creating) accounts.sqlite in `securityDir` (created 0700).
    static Result<std::unique_ptr<AccountStore>> open(const std::string& securityDir);

    bool hasUsers();
    bool hasAdministrator();
    std::vector<Account> list();
    std::optional<Account> find(const std::string& name);

    Status add(const std::string& name, Role role, AccountSource source, const std::string& password);
    // Removing or demoting the last administrator is refused ("last-administrator").
    Status remove(const std::string& name);
    Status setPassword(const std::string& name, const std::string& password);
    Status setRole(const std::string& name, Role role);
    Status unlock(const std::string& name);
    Result<TotpEnrolment> enrolTotp(const std::string& name);
    Status removeTotp(const std::string& name);

    SecurityPolicy policy();
    Status setPolicy(const SecurityPolicy& policy);

    // Checks the password (locally or through PAM), then the second factor when enrolled or
    // required; counts failures and locks the account after policy().maxFailures of them.
    Result<Identity> signIn(const SignInRequest& request);

private:
    AccountStore(storage::Database db, std::string dir);
    Status migrate();
    bool isLastAdministrator(const std::string& name);
    Status recordFailure(const std::string& name, std::time_t now);
    Result<bool> checkSecondFactor(const std::string& name, const std::string& code, std::time_t now);
    storage::Database m_db;
    std::string m_dir;
    storage::SecretBox m_box;
};

// Passwords at least 10 characters; an error names what is missing.
Status checkPasswordRules(const std::string& password);
// A user name: 1-64 of letters, digits, '.', '_', '-', '@'.
bool validUserName(const std::string& name);

}  // namespace lightbox::security
