#include "sign_in_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace lightbox::app {

SignInDialog::SignInDialog(std::string securityDir, const QString& lockedBy, QWidget* parent) : QDialog(parent), m_dir(std::move(securityDir))
{
    setWindowTitle(lockedBy.isEmpty() ? tr("Sign in to Lightbox") : tr("Lightbox is locked"));
    // The form, centred: the lock screen fills the screen around it.
    auto* outer = new QVBoxLayout(this);
    auto* row = new QHBoxLayout;
    auto* panel = new QWidget;
    panel->setMaximumWidth(520);
    outer->addStretch();
    outer->addLayout(row);
    outer->addStretch();
    row->addStretch();
    row->addWidget(panel);
    row->addStretch();
    auto* layout = new QVBoxLayout(panel);
    auto* title = new QLabel(lockedBy.isEmpty() ? tr("Sign in") : tr("Locked by %1. Sign in to unlock, or as another user to switch.").arg(lockedBy));
    title->setWordWrap(true);
    layout->addWidget(title);
    auto* form = new QFormLayout;
    m_user = new QLineEdit(lockedBy);
    m_user->setObjectName("user");
    m_password = new QLineEdit;
    m_password->setObjectName("password");
    m_password->setEchoMode(QLineEdit::Password);
    m_code = new QLineEdit;
    m_code->setObjectName("code");
    m_code->setPlaceholderText(tr("6 digits, or a recovery code, when asked"));
    form->addRow(tr("User"), m_user);
    form->addRow(tr("Password"), m_password);
    form->addRow(tr("One-time code"), m_code);
    layout->addLayout(form);
    m_breakGlass = new QCheckBox(tr("Emergency access (break-glass: recorded and reviewed)"));
    m_breakGlass->setObjectName("breakGlass");
    layout->addWidget(m_breakGlass);
    m_message = new QLabel;
    m_message->setObjectName("message");
    m_message->setWordWrap(true);
    m_message->setStyleSheet("color: #c0392b");
    layout->addWidget(m_message);
    auto* buttons = new QDialogButtonBox;
    m_submit = buttons->addButton(lockedBy.isEmpty() ? tr("Sign in") : tr("Unlock"), QDialogButtonBox::AcceptRole);
    m_submit->setObjectName("signIn");
    m_submit->setDefault(true);
    buttons->addButton(lockedBy.isEmpty() ? tr("Quit") : tr("Quit Lightbox"), QDialogButtonBox::RejectRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SignInDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(&m_watcher, &QFutureWatcher<Result<security::Identity>>::finished, this, &SignInDialog::finished);
    (lockedBy.isEmpty() ? m_user : m_password)->setFocus();
}

QString SignInDialog::message() const { return m_message->text(); }

void SignInDialog::submit()
{
    if (m_watcher.isRunning()) return;
    security::SignInRequest request;
    request.user = m_user->text().trimmed().toStdString();
    request.password = m_password->text().toStdString();
    request.code = m_code->text().trimmed().toStdString();
    request.breakGlass = m_breakGlass->isChecked();
    m_submit->setEnabled(false);
    m_message->setText(tr("Signing in…"));
    const std::string dir = m_dir;
    m_watcher.setFuture(QtConcurrent::run([dir, request]() -> Result<security::Identity> {
        auto store = security::AccountStore::open(dir);
        if (!store) return store.error();
        return (*store)->signIn(request);
    }));
}

void SignInDialog::finished()
{
    const Result<security::Identity> r = m_watcher.result();
    m_submit->setEnabled(true);
    m_password->clear();
    m_code->clear();
    emit attempted(m_user->text().trimmed(), m_breakGlass->isChecked(), r ? QString() : QString::fromStdString(r.error().message));
    if (!r) {
        m_message->setText(QString::fromStdString(r.error().message));
        (r.error().code.rfind("totp", 0) == 0 || r.error().code.rfind("recovery", 0) == 0 ? m_code : m_password)->setFocus();
        return;
    }
    m_identity = *r;
    m_message->clear();
    accept();
}

}  // namespace lightbox::app
