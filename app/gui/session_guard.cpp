#include "session_guard.h"

#include "sign_in_dialog.h"

#include "audit_forwarder.h"

#include <QApplication>
#include <QEvent>
#include <QFutureWatcher>
#include <QtConcurrent>
#include <QScreen>
#include <QWidget>

namespace lightbox::app {

namespace {

bool isInput(QEvent::Type t)
{
    switch (t) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
    case QEvent::TabletPress: return true;
    default: return false;
    }
}

}  // namespace

std::unique_ptr<SessionGuard> SessionGuard::start(const std::string& securityDir)
{
    auto store = security::AccountStore::open(securityDir);
    const bool users = store && (*store)->hasUsers();
    security::Identity who{security::systemUser(), security::Role::Administrator, false, false, false};
    int idleMinutes = 0;
    if (users) {
        SignInDialog form(securityDir, {});
        std::unique_ptr<SessionGuard> recorder(new SessionGuard(securityDir, who));
        QObject::connect(&form, &SignInDialog::attempted, recorder.get(), [&](const QString& user, bool glass, const QString& error) {
            recorder->recordAttempt(user, glass ? "break-glass sign-in" : "sign-in", error);
        });
        if (form.exec() != QDialog::Accepted) return nullptr;
        who = form.identity();
        idleMinutes = (*store)->policy().idleLockMinutes;
    }
    std::unique_ptr<SessionGuard> guard(new SessionGuard(securityDir, who));
    guard->install(who);
    guard->m_auditor->applicationActivity(true);
    if (who.breakGlass) guard->m_auditor->securityAlert(security::alert::emergencyOverrideStarted, "break-glass sign-in by " + who.user, Done{});
    // A machine without users has nobody to unlock it: the operating system's screen lock applies.
    guard->setIdleTimeoutMs(users ? idleMinutes * 60 * 1000 : 0);
    qApp->installEventFilter(guard.get());
    return guard;
}

SessionGuard::SessionGuard(std::string securityDir, security::Identity who) : m_dir(std::move(securityDir)), m_identity(std::move(who))
{
    m_idle.setSingleShot(true);
    connect(&m_idle, &QTimer::timeout, this, &SessionGuard::lock);
    m_forward.setInterval(30000);
    connect(&m_forward, &QTimer::timeout, this, [this] {
        if (m_forwarding || !m_auditor) return;
        m_forwarding = true;
        auto auditor = m_auditor;
        auto* watcher = new QFutureWatcher<void>(this);
        connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher] {
            m_forwarding = false;
            watcher->deleteLater();
        });
        watcher->setFuture(QtConcurrent::run([auditor] {
            auditor->flush();
            security::forwardAudit(auditor->securityDir(), 5000);  // what does not go now waits on the disk
        }));
    });
    m_forward.start();
}

SessionGuard::~SessionGuard()
{
    if (m_auditor) {
        m_auditor->applicationActivity(false);
        security::installAuditor(nullptr);
    }
}

void SessionGuard::install(const security::Identity& who)
{
    m_identity = who;
    m_auditor = std::make_shared<security::Auditor>(m_dir, who, "lightbox (GUI)");
    security::installAuditor(m_auditor);
}

void SessionGuard::setIdleTimeoutMs(int ms)
{
    m_idle.stop();
    m_idle.setInterval(ms);
    if (ms > 0 && !locked()) m_idle.start();
}

bool SessionGuard::eventFilter(QObject* watched, QEvent* event)
{
    if (isInput(event->type()) && !locked() && m_idle.interval() > 0) m_idle.start();  // restarts
    return QObject::eventFilter(watched, event);
}

void SessionGuard::recordAttempt(const QString& user, const QString& what, const QString& error)
{
    const Status outcome = error.isEmpty() ? Status(Done{}) : Status(makeError("sign-in", error.toStdString()));
    security::Auditor(m_dir, {user.toStdString(), security::Role::Technologist, false, false, false}, "lightbox (GUI)")
        .authentication(user.toStdString(), what.toStdString(), outcome);
}

void SessionGuard::lock()
{
    if (locked() || !m_identity.signedIn) return;
    m_idle.stop();
    m_auditor->authentication(m_identity.user, "lock", Done{});
    // Every window goes: nothing of a patient stays on any screen.
    for (QWidget* w : QApplication::topLevelWidgets())
        if (w->isVisible()) {
            m_hidden.append(w);
            w->hide();
        }
    m_lockScreen = new SignInDialog(m_dir, QString::fromStdString(m_identity.user));
    m_lockScreen->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_lockScreen, &SignInDialog::attempted, this, [this](const QString& user, bool glass, const QString& error) {
        const bool same = user.toStdString() == m_identity.user;
        recordAttempt(user, glass ? "break-glass sign-in" : same ? "unlock" : "sign-in (switch user)", error);
    });
    connect(m_lockScreen, &QDialog::accepted, this, &SessionGuard::unlocked);
    connect(m_lockScreen, &QDialog::rejected, qApp, &QApplication::quit);
    // Over the whole screen (a window manager does it for showFullScreen; without one, the
    // geometry does).
    if (const QScreen* screen = QGuiApplication::primaryScreen()) m_lockScreen->setGeometry(screen->geometry());
    m_lockScreen->showFullScreen();
    emit lockedChanged(true);
}

void SessionGuard::unlocked()
{
    const security::Identity who = m_lockScreen->identity();
    m_lockScreen = nullptr;  // deleted on close
    const QString previous = QString::fromStdString(m_identity.user);
    if (who.user != m_identity.user || who.breakGlass != m_identity.breakGlass) {
        m_auditor->authentication(m_identity.user, "sign-out", Done{});
        install(who);
        if (who.breakGlass) m_auditor->securityAlert(security::alert::emergencyOverrideStarted, "break-glass sign-in by " + who.user, Done{});
        emit userSwitched(previous, QString::fromStdString(who.user));
    }
    for (const QPointer<QWidget>& w : m_hidden)
        if (w) w->show();
    m_hidden.clear();
    if (m_idle.interval() > 0) m_idle.start();
    emit lockedChanged(false);
}

}  // namespace lightbox::app
