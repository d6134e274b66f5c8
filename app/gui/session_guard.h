#pragma once
// Who uses the GUI, and the screen lock. On a machine with Lightbox users the GUI starts with the
// sign-in form; after the policy's idle time without a key or mouse event it locks: every window
// is hidden (no patient data stays on screen) and the lock screen asks the same user to unlock,
// or another to sign in (fast user switch: the first one's session ends). Sign-ins, failures,
// locks and unlocks go to the audit trail; the signed-in user's auditor is the process's gate.
#include "accounts.h"
#include "auditor.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

class QWidget;

namespace lightbox::app {

class SignInDialog;

class SessionGuard : public QObject {
    Q_OBJECT
public:
    // Signs in (the form when the machine has users, else the operating-system user) and installs
    // the auditor. Null when nobody signed in (the user quit the form).
    static std::unique_ptr<SessionGuard> start(const std::string& securityDir);
    ~SessionGuard() override;

    const security::Identity& identity() const { return m_identity; }
    bool locked() const { return m_lockScreen != nullptr; }
    SignInDialog* lockScreen() const { return m_lockScreen; }
    int idleTimeoutMs() const { return m_idle.interval(); }
    void setIdleTimeoutMs(int ms);  // 0: never lock

public slots:
    void lock();

signals:
    void lockedChanged(bool locked);
    void userSwitched(const QString& previous, const QString& now);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    SessionGuard(std::string securityDir, security::Identity who);
    void install(const security::Identity& who);
    void unlocked();
    void recordAttempt(const QString& user, const QString& what, const QString& error);

    std::string m_dir;
    security::Identity m_identity;
    std::shared_ptr<security::Auditor> m_auditor;
    QTimer m_idle;
    QTimer m_forward;  // the trail to the audit repository, every 30 s, off the GUI thread
    bool m_forwarding = false;
    QList<QPointer<QWidget>> m_hidden;
    SignInDialog* m_lockScreen = nullptr;
};

}  // namespace lightbox::app
