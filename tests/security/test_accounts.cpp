// Accounts and sign-in: Argon2id hashes checked with the reference library's own encoding, lock-out
// after repeated failures, TOTP codes made by oathtool (RFC 6238's reference tool, not our code)
// accepted once and refused when replayed or expired, recovery codes single-use, a second factor
// required per role, and what break-glass allows.
#include "accounts.h"
#include "credentials.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::security;
using namespace lightbox::test;

class AccountsTest : public QObject {
    Q_OBJECT
private slots:
    void init();
    void passwordsAreArgon2id();
    void weakPasswordsAndBadNamesAreRefused();
    void repeatedFailuresLockTheAccount();
    void totpCodesFromOathtoolWorkOnce();
    void recoveryCodesWorkOnce();
    void aRoleCanRequireASecondFactor();
    void rolesAndBreakGlass();
    void theLastAdministratorStays();

private:
    std::unique_ptr<AccountStore> m_store;
    std::unique_ptr<QTemporaryDir> m_dir;
};

namespace {

// The TOTP code at `when` as oathtool computes it.
QString oathtool(const std::string& secret, std::time_t when)
{
    const QString now = QDateTime::fromSecsSinceEpoch(when, Qt::UTC).toString("yyyy-MM-dd HH:mm:ss") + " UTC";
    const ProcessResult r = run("oathtool", {"--totp", "-b", QString::fromStdString(secret), "--now", now});
    return r.ok() ? QString::fromLatin1(r.out).trimmed() : QString();
}

SignInRequest request(const std::string& user, const std::string& password, const std::string& code = {}, std::time_t now = 0)
{
    SignInRequest r;
    r.user = user;
    r.password = password;
    r.code = code;
    r.now = now;
    return r;
}

}  // namespace

void AccountsTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    auto store = AccountStore::open(m_dir->path().toStdString() + "/security");
    QVERIFY2(store, store ? "" : store.error().message.c_str());
    m_store = std::move(*store);
    QVERIFY(!m_store->hasUsers());
    QVERIFY(m_store->add("admin", Role::Administrator, AccountSource::Local, "correct horse 1").ok());
    QVERIFY(m_store->hasAdministrator());
    // The folder holds secrets: nobody else may enter it.
    QCOMPARE(QFile::permissions(m_dir->path() + "/security") & (QFileDevice::ReadOther | QFileDevice::ReadGroup | QFileDevice::ExeOther), QFileDevice::Permissions{});
}

void AccountsTest::passwordsAreArgon2id()
{
    auto h = hashPassword("correct horse 1");
    QVERIFY(h);
    QVERIFY2(QString::fromStdString(*h).startsWith("$argon2id$v=19$m=65536,t=3,p=1$"), h->c_str());
    QVERIFY(passwordMatches(*h, "correct horse 1"));
    QVERIFY(!passwordMatches(*h, "correct horse 2"));
    // Two hashes of one password differ (random salt).
    QVERIFY(*hashPassword("correct horse 1") != *h);
    // The stored hash is not the password.
    QFile db(m_dir->path() + "/security/accounts.sqlite");
    QVERIFY(db.open(QIODevice::ReadOnly));
    QVERIFY(!db.readAll().contains("correct horse 1"));
    QVERIFY(m_store->signIn(request("admin", "correct horse 1")));
    const auto wrong = m_store->signIn(request("admin", "correct horse 2"));
    QVERIFY(!wrong);
    QCOMPARE(QString::fromStdString(wrong.error().code), QString("wrong-password"));
    // An unknown user is told exactly what a wrong password is told.
    const auto unknown = m_store->signIn(request("nobody", "correct horse 1"));
    QCOMPARE(QString::fromStdString(unknown.error().message), QString::fromStdString(wrong.error().message));
}

void AccountsTest::weakPasswordsAndBadNamesAreRefused()
{
    QCOMPARE(QString::fromStdString(m_store->add("tech", Role::Technologist, AccountSource::Local, "short").error().code), QString("weak-password"));
    QCOMPARE(QString::fromStdString(m_store->add("../x", Role::Technologist, AccountSource::Local, "long enough 1").error().code), QString("bad-user-name"));
    QCOMPARE(QString::fromStdString(m_store->add("admin", Role::Technologist, AccountSource::Local, "long enough 1").error().code), QString("user-exists"));
    QVERIFY(!m_store->find("tech"));
}

void AccountsTest::repeatedFailuresLockTheAccount()
{
    const std::time_t t0 = 1800000000;
    for (int i = 0; i < 4; ++i) QVERIFY(!m_store->signIn(request("admin", "nope", {}, t0)));
    QCOMPARE(m_store->find("admin")->failures, 4);
    QVERIFY(m_store->signIn(request("admin", "correct horse 1", {}, t0)));  // a success resets the count
    QCOMPARE(m_store->find("admin")->failures, 0);
    for (int i = 0; i < 5; ++i) QVERIFY(!m_store->signIn(request("admin", "nope", {}, t0)));
    auto locked = m_store->signIn(request("admin", "correct horse 1", {}, t0 + 60));
    QVERIFY(!locked);
    QCOMPARE(QString::fromStdString(locked.error().code), QString("locked"));
    // Locked for the policy's 15 minutes, then the right password works again.
    QVERIFY(!m_store->signIn(request("admin", "correct horse 1", {}, t0 + 14 * 60)));
    QVERIFY(m_store->signIn(request("admin", "correct horse 1", {}, t0 + 15 * 60 + 1)));
    // An administrator can unlock at once.
    for (int i = 0; i < 5; ++i) QVERIFY(!m_store->signIn(request("admin", "nope", {}, t0 + 2000)));
    QVERIFY(!m_store->signIn(request("admin", "correct horse 1", {}, t0 + 2001)));
    QVERIFY(m_store->unlock("admin"));
    QVERIFY(m_store->signIn(request("admin", "correct horse 1", {}, t0 + 2002)));
}

void AccountsTest::totpCodesFromOathtoolWorkOnce()
{
    QVERIFY(m_store->add("rad", Role::Radiologist, AccountSource::Local, "radiology 12").ok());
    auto e = m_store->enrolTotp("rad");
    QVERIFY(e);
    QVERIFY2(QString::fromStdString(e->uri).startsWith("otpauth://totp/Lightbox%3Arad%40"), e->uri.c_str());
    QVERIFY(QString::fromStdString(e->uri).contains("secret=" + QString::fromStdString(e->secret)));
    QCOMPARE(int(e->recoveryCodes.size()), 10);
    QVERIFY(!security::qrForTerminal(e->uri).empty());
    const std::time_t t0 = 1800000000;  // a multiple of 30 s: the middle of a step is t0 + 15
    const QString code = oathtool(e->secret, t0 + 15);
    QVERIFY2(code.size() == 6, "oathtool did not give a code");
    QCOMPARE(QString::fromStdString(totpCode(e->secret, t0 + 15)), code);
    // No code: asked for, not counted as a failure.
    auto none = m_store->signIn(request("rad", "radiology 12", {}, t0 + 15));
    QCOMPARE(QString::fromStdString(none.error().code), QString("totp-needed"));
    QCOMPARE(m_store->find("rad")->failures, 0);
    // The right code works once; the same code again (replay) is refused.
    auto ok = m_store->signIn(request("rad", "radiology 12", code.toStdString(), t0 + 15));
    QVERIFY2(ok, ok ? "" : ok.error().message.c_str());
    auto replay = m_store->signIn(request("rad", "radiology 12", code.toStdString(), t0 + 20));
    QCOMPARE(QString::fromStdString(replay.error().code), QString("totp-replayed"));
    // The next step's code works; a code two minutes old is expired; a wrong one is refused.
    QVERIFY(m_store->signIn(request("rad", "radiology 12", oathtool(e->secret, t0 + 45).toStdString(), t0 + 45)));
    auto expired = m_store->signIn(request("rad", "radiology 12", oathtool(e->secret, t0 + 200).toStdString(), t0 + 320));
    QCOMPARE(QString::fromStdString(expired.error().code), QString("totp-wrong"));
    QString wrong = oathtool(e->secret, t0 + 400);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    QCOMPARE(QString::fromStdString(m_store->signIn(request("rad", "radiology 12", wrong.toStdString(), t0 + 400)).error().code), QString("totp-wrong"));
    // A clock 30 s behind or ahead is tolerated (one step).
    QVERIFY(m_store->signIn(request("rad", "radiology 12", oathtool(e->secret, t0 + 1000).toStdString(), t0 + 1030)));
    // The secret is not stored in clear.
    QFile db(m_dir->path() + "/security/accounts.sqlite");
    QVERIFY(db.open(QIODevice::ReadOnly));
    QVERIFY(!db.readAll().contains(QByteArray::fromStdString(e->secret)));
}

void AccountsTest::recoveryCodesWorkOnce()
{
    auto e = m_store->enrolTotp("admin");
    QVERIFY(e);
    const std::string code = e->recoveryCodes[3];
    auto used = m_store->signIn(request("admin", "correct horse 1", code));
    QVERIFY2(used, used ? "" : used.error().message.c_str());
    QVERIFY(used->usedRecoveryCode);
    QCOMPARE(m_store->find("admin")->recoveryCodesLeft, 9);
    QCOMPARE(QString::fromStdString(m_store->signIn(request("admin", "correct horse 1", code)).error().code), QString("recovery-wrong"));
    // Enrolling again replaces the codes: the old ones are void.
    auto again = m_store->enrolTotp("admin");
    QVERIFY(again);
    QVERIFY(!m_store->signIn(request("admin", "correct horse 1", e->recoveryCodes[4])));
    QVERIFY(m_store->signIn(request("admin", "correct horse 1", again->recoveryCodes[4])));
}

void AccountsTest::aRoleCanRequireASecondFactor()
{
    QVERIFY(m_store->add("rad", Role::Radiologist, AccountSource::Local, "radiology 12").ok());
    QVERIFY(m_store->add("tech", Role::Technologist, AccountSource::Local, "technology 12").ok());
    SecurityPolicy p = m_store->policy();
    QCOMPARE(p.idleLockMinutes, 15);
    p.totpRequiredFor = {Role::Radiologist};
    QVERIFY(m_store->setPolicy(p).ok());
    QCOMPARE(int(m_store->policy().totpRequiredFor.size()), 1);
    auto refused = m_store->signIn(request("rad", "radiology 12"));
    QCOMPARE(QString::fromStdString(refused.error().code), QString("totp-required"));
    QVERIFY(m_store->signIn(request("tech", "technology 12")));
    auto e = m_store->enrolTotp("rad");
    QVERIFY(e);
    const std::time_t now = std::time(nullptr);
    QVERIFY(m_store->signIn(request("rad", "radiology 12", oathtool(e->secret, now).toStdString(), now)));
}

void AccountsTest::rolesAndBreakGlass()
{
    QVERIFY(m_store->add("tech", Role::Technologist, AccountSource::Local, "technology 12").ok());
    auto tech = m_store->signIn(request("tech", "technology 12"));
    QVERIFY(tech);
    QVERIFY(tech->may(Permission::Read) && tech->may(Permission::Annotate) && tech->may(Permission::Export));
    QVERIFY(!tech->may(Permission::Delete));
    QVERIFY(!tech->may(Permission::ExportIdentified));
    QVERIFY(!tech->may(Permission::ManageUsers) && !tech->may(Permission::ReadAudit) && !tech->may(Permission::Configure));
    SignInRequest glass = request("tech", "technology 12");
    glass.breakGlass = true;
    auto emergency = m_store->signIn(glass);
    QVERIFY(emergency && emergency->breakGlass);
    // Break-glass opens the patient's data, never the machine's administration.
    QVERIFY(emergency->may(Permission::Delete) && emergency->may(Permission::ExportIdentified));
    QVERIFY(!emergency->may(Permission::ManageUsers) && !emergency->may(Permission::ReadAudit) && !emergency->may(Permission::Configure));
    auto admin = m_store->signIn(request("admin", "correct horse 1"));
    QVERIFY(admin && admin->may(Permission::ManageUsers) && admin->may(Permission::ReadAudit));
    QVERIFY(m_store->setRole("tech", Role::Radiologist).ok());
    QVERIFY(m_store->signIn(request("tech", "technology 12"))->may(Permission::Delete));
}

void AccountsTest::theLastAdministratorStays()
{
    QCOMPARE(QString::fromStdString(m_store->remove("admin").error().code), QString("last-administrator"));
    QCOMPARE(QString::fromStdString(m_store->setRole("admin", Role::Radiologist).error().code), QString("last-administrator"));
    QVERIFY(m_store->add("admin2", Role::Administrator, AccountSource::Local, "second admin 1").ok());
    QVERIFY(m_store->remove("admin").ok());
    QVERIFY(m_store->hasAdministrator());
}

QTEST_GUILESS_MAIN(AccountsTest)
#include "test_accounts.moc"
