// Sign-in and the screen lock under Xvfb with a real window: the sign-in form refuses a wrong
// password and lets the right one in; after the idle time every window is hidden and a screenshot
// of the screen shows none of the study; a wrong unlock is refused and recorded, the right one
// brings the windows back; another user signing in on the lock screen switches the session (the
// viewer goes back to the browser); the audit trail viewer lists and filters the records; a
// technologist's delete from the browser's service is refused by the cache's gate.
#include "accounts.h"
#include "audit_dialog.h"
#include "audit_log.h"
#include "auditor.h"
#include "cache_service.h"
#include "main_window.h"
#include "session_guard.h"
#include "sign_in_dialog.h"
#include "test_support.h"

#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;
using lightbox::app::SignInDialog;

class SessionGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void theSignInFormChecksThePassword();
    void anIdleLockHidesEveryWindow();
    void anotherUserOnTheLockScreenSwitches();
    void theAuditTrailViewerFilters();
    void aTechnologistCannotDeleteFromTheBrowser();

private:
    // Fills and submits the form (the modal one when `form` is null) once it is shown.
    static void answer(SignInDialog* form, const QString& user, const QString& password);
    QStringList events(const QString& user = {});
    QString security() const { return m_tmp.path() + "/security"; }
    QTemporaryDir m_tmp;
    QThreadPool m_pool;
    std::unique_ptr<app::CacheService> m_cache;
    std::unique_ptr<app::MainWindow> m_window;
    std::unique_ptr<app::SessionGuard> m_guard;
    QString m_studyUid;
};

void SessionGuiTest::answer(SignInDialog* form, const QString& user, const QString& password)
{
    form->findChild<QLineEdit*>("user")->setText(user);
    form->findChild<QLineEdit*>("password")->setText(password);
    QTest::mouseClick(form->findChild<QPushButton*>("signIn"), Qt::LeftButton);
}

QStringList SessionGuiTest::events(const QString& user)
{
    if (auto a = security::currentAuditor()) a->flush();
    QStringList out;
    const auto records = security::AuditLog(security().toStdString()).read();
    if (records)
        for (const auto& r : *records)
            if (user.isEmpty() || QString::fromStdString(r.entry.user) == user)
                out << QString::fromStdString(r.entry.event) + " | " + QString::fromStdString(r.entry.outcome);
    return out;
}

void SessionGuiTest::initTestCase()
{
    qputenv("LIGHTBOX_SECURITY_DIR", security().toLocal8Bit());
    auto store = security::AccountStore::open(security().toStdString());
    QVERIFY(store);
    QVERIFY((*store)->add("boss", security::Role::Administrator, security::AccountSource::Local, "administrator 1").ok());
    QVERIFY((*store)->add("tina", security::Role::Technologist, security::AccountSource::Local, "technologist 1").ok());
    // The study on screen: the shared CT, imported into the cache.
    const QString ct = testDataDir() + "/ct/siemens-sensation10_chest_30sl";
    m_cache = std::make_unique<app::CacheService>(m_tmp.path() + "/cache", m_pool);
    QVERIFY(lightbox::test::run(lightboxExe(), {"import", "--quiet", "--cache", m_tmp.path() + "/cache", ct}).exitCode == 3);  // users exist: sign in
    const ProcessResult imported =
        runWith(lightboxExe(), {"import", "--quiet", "--cache", m_tmp.path() + "/cache", ct, "--user", "boss"}, {{"LIGHTBOX_PASSWORD", "administrator 1"}});
    QVERIFY2(imported.ok(), imported.err.constData());
    m_studyUid = QString::fromLatin1(run("dcmdump", {"+P", "0020,000d", "-s", ct + "/1-01.dcm"}).out).section('[', 1).section(']', 0, 0);
    QVERIFY(!m_studyUid.isEmpty());
}

void SessionGuiTest::cleanupTestCase()
{
    m_window.reset();
    m_guard.reset();
    m_pool.waitForDone();
}

void SessionGuiTest::theSignInFormChecksThePassword()
{
    // SessionGuard::start shows the form modally: answer it from the event loop.
    bool wrongShown = false;
    QTimer driver;
    int step = 0;
    connect(&driver, &QTimer::timeout, this, [&] {
        auto* form = qobject_cast<SignInDialog*>(QApplication::activeModalWidget());
        if (!form || !form->findChild<QPushButton*>("signIn")->isEnabled()) return;
        if (step == 0) {
            answer(form, "boss", "not the password");
            step = 1;
        } else if (step == 1 && form->message().contains("wrong password")) {
            wrongShown = true;
            if (const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS"); !dir.isEmpty()) form->grab().save(dir + "/session-sign-in.png");
            answer(form, "boss", "administrator 1");
            step = 2;
        }
    });
    driver.start(50);
    m_guard = app::SessionGuard::start(security().toStdString());
    driver.stop();
    QVERIFY(wrongShown);
    QVERIFY(m_guard);
    QCOMPARE(QString::fromStdString(m_guard->identity().user), QString("boss"));
    QCOMPARE(m_guard->idleTimeoutMs(), 15 * 60 * 1000);  // the policy's default
    const QStringList trail = events("boss");
    QVERIFY2(trail.contains("User Authentication: sign-in | unknown user or wrong password"), qPrintable(trail.join('\n')));
    QVERIFY(trail.contains("User Authentication: sign-in | success"));
}

void SessionGuiTest::anIdleLockHidesEveryWindow()
{
    QVERIFY(m_guard);
    m_window = std::make_unique<app::MainWindow>(m_pool, *m_cache);
    m_window->attachSession(*m_guard);
    QVERIFY(m_window->windowTitle().contains("boss (administrator)"));
    m_window->resize(1200, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy loaded(m_window.get(), &app::MainWindow::loadFinished);
    m_window->openStudy(m_studyUid);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 30000);
    QVERIFY(events("boss").contains("Study opened (viewing) | success"));
    // Input keeps it awake; then nothing for the idle time: locked.
    m_guard->setIdleTimeoutMs(1500);
    QTest::mouseMove(m_window.get(), QPoint(100, 100));
    QVERIFY(!m_guard->locked());
    QTRY_VERIFY_WITH_TIMEOUT(m_guard->locked(), 10000);
    QVERIFY(!m_window->isVisible());
    for (QWidget* w : QApplication::topLevelWidgets())
        if (w->isVisible()) QVERIFY2(qobject_cast<SignInDialog*>(w), qPrintable(w->metaObject()->className()));
    SignInDialog* lockScreen = m_guard->lockScreen();
    QVERIFY(lockScreen);
    QVERIFY(QTest::qWaitForWindowExposed(lockScreen));
    // What the screen shows: the lock screen only. The CT's pixels (many grey levels) are gone:
    // the screen is nearly all one colour (the lock screen's background).
    const QImage screen = QGuiApplication::primaryScreen()->grabWindow(0).toImage();
    const QString dir = qEnvironmentVariable("LIGHTBOX_TEST_SCREENSHOTS");
    if (!dir.isEmpty()) screen.save(dir + "/session-locked.png");
    QHash<QRgb, int> colours;
    for (int y = 0; y < screen.height(); y += 2)
        for (int x = 0; x < screen.width(); x += 2) ++colours[screen.pixel(x, y)];
    int most = 0;
    for (int n : colours) most = std::max(most, n);
    const double share = double(most) / ((screen.height() / 2) * (screen.width() / 2));
    QVERIFY2(share > 0.85, qPrintable(QString("the most common colour covers %1 of the screen").arg(share)));
    QVERIFY(events("boss").contains("User Authentication: lock | success"));
    // A wrong password leaves it locked (and is recorded); the right one brings the window back.
    answer(lockScreen, "boss", "wrong wrong");
    QTRY_VERIFY_WITH_TIMEOUT(lockScreen->message().contains("wrong password"), 10000);
    QVERIFY(m_guard->locked() && !m_window->isVisible());
    answer(lockScreen, "boss", "administrator 1");
    QTRY_VERIFY_WITH_TIMEOUT(!m_guard->locked(), 10000);
    QVERIFY(m_window->isVisible());
    const QStringList trail = events("boss");
    QVERIFY(trail.contains("User Authentication: unlock | unknown user or wrong password"));
    QVERIFY(trail.contains("User Authentication: unlock | success"));
}

void SessionGuiTest::anotherUserOnTheLockScreenSwitches()
{
    QVERIFY(m_window && m_guard);
    QSignalSpy switched(m_guard.get(), &app::SessionGuard::userSwitched);
    m_guard->lock();
    QVERIFY(m_guard->locked());
    answer(m_guard->lockScreen(), "tina", "technologist 1");
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
    QCOMPARE(switched[0][0].toString(), QString("boss"));
    QCOMPARE(switched[0][1].toString(), QString("tina"));
    QVERIFY(m_window->isVisible());
    QVERIFY(m_window->windowTitle().contains("tina (technologist)"));
    QCOMPARE(QString::fromStdString(security::currentAuditor()->identity().user), QString("tina"));
    QVERIFY(events("boss").contains("User Authentication: sign-out | success"));
    QVERIFY(events("tina").contains("User Authentication: sign-in (switch user) | success"));
}

void SessionGuiTest::theAuditTrailViewerFilters()
{
    app::AuditDialog dialog(security().toStdString());
    QSignalSpy loaded(&dialog, &app::AuditDialog::loaded);
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
    const int all = loaded[0][0].toInt();
    QVERIFY(all >= 8);
    QCOMPARE(dialog.table()->rowCount(), all);
    dialog.findChild<QLineEdit*>("user")->setText("tina");
    dialog.reload();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 10000);
    const int tina = loaded[1][0].toInt();
    QVERIFY(tina >= 1 && tina < all);
    for (int r = 0; r < dialog.table()->rowCount(); ++r) QVERIFY(dialog.table()->item(r, 2)->text().startsWith("tina"));
}

void SessionGuiTest::aTechnologistCannotDeleteFromTheBrowser()
{
    QCOMPARE(QString::fromStdString(security::currentAuditor()->identity().user), QString("tina"));
    const QString refused = m_cache->deleteStudy(m_studyUid).result();
    QVERIFY2(refused.contains("tina (technologist) may not delete studies"), qPrintable(refused));
    const QStringList trail = events("tina");
    QVERIFY(std::any_of(trail.begin(), trail.end(), [](const QString& e) { return e.startsWith("Security Alert: Use of Restricted Function"); }));
    // Still in the cache.
    const ProcessResult still =
        runWith(lightboxExe(), {"studies", "--cache", m_tmp.path() + "/cache", "--json", "--user", "boss"}, {{"LIGHTBOX_PASSWORD", "administrator 1"}});
    QVERIFY(still.out.contains(m_studyUid.toLatin1()));
}

QTEST_MAIN(SessionGuiTest)
#include "test_session_gui.moc"
