#pragma once
// The sign-in form: at start (once Lightbox has users), on the lock screen to unlock or to switch
// user, with an optional one-time code and a break-glass sign-in for emergencies. The password is
// checked on a worker thread (Argon2id takes a fraction of a second; PAM may ask a directory).
#include "accounts.h"

#include <QDialog>
#include <QFutureWatcher>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace lightbox::app {

class SignInDialog : public QDialog {
    Q_OBJECT
public:
    // `lockedBy`: the user whose session is locked (their name is filled in), empty at start.
    SignInDialog(std::string securityDir, const QString& lockedBy, QWidget* parent = nullptr);

    const security::Identity& identity() const { return m_identity; }
    QString message() const;

signals:
    // Every attempt, for the audit trail: who, and the error when it failed.
    void attempted(const QString& user, bool breakGlass, const QString& error);

private:
    void submit();
    void finished();

    std::string m_dir;
    QLineEdit *m_user, *m_password, *m_code;
    QCheckBox* m_breakGlass;
    QLabel* m_message;
    QPushButton* m_submit;
    QFutureWatcher<Result<security::Identity>> m_watcher;
    security::Identity m_identity;
};

}  // namespace lightbox::app
