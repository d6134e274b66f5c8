// The main window's part of the user's session: locking the screen, the audit trail, and a
// switch of user.
#include "main_window.h"

#include "audit_dialog.h"
#include "auditor.h"
#include "session_guard.h"

#include <QAction>
#include <QMenu>
#include <QMessageBox>

namespace lightbox::app {

void MainWindow::attachSession(SessionGuard& guard)
{
    const auto title = [this, &guard] {
        const security::Identity& who = guard.identity();
        setWindowTitle(who.signedIn ? tr("Lightbox — %1 (%2)%3")
                                          .arg(QString::fromStdString(who.user), QString::fromStdString(security::roleName(who.role)),
                                               who.breakGlass ? tr(" — EMERGENCY ACCESS") : QString())
                                    : tr("Lightbox"));
    };
    title();
    QAction* before = m_fileMenu->actions().isEmpty() ? nullptr : m_fileMenu->actions().last();
    auto* lock = new QAction(tr("&Lock Screen"), this);
    lock->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    lock->setEnabled(guard.identity().signedIn);
    connect(lock, &QAction::triggered, &guard, &SessionGuard::lock);
    auto* trail = new QAction(tr("Audit &Trail…"), this);
    connect(trail, &QAction::triggered, this, [this, &guard] {
        auto auditor = security::currentAuditor();
        if (!auditor) return;
        if (Status allowed = auditor->require(security::Permission::ReadAudit, "the audit trail viewer"); !allowed) {
            QMessageBox::warning(this, tr("Audit trail"), QString::fromStdString(allowed.error().message));
            return;
        }
        auditor->auditLogUsed("viewed in the GUI", Done{});
        auto* dialog = new AuditDialog(auditor->securityDir(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    m_fileMenu->insertActions(before, {lock, trail});
    m_fileMenu->insertSeparator(before);
    connect(&guard, &SessionGuard::userSwitched, this, [this, title] {
        title();
        showBrowser();  // the previous user's study is not the next user's to see
    });
}

}  // namespace lightbox::app
