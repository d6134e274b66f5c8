#pragma once
// The audit trail in the GUI, for whoever may read it: the records filtered by time, user and
// patient (as `lightbox audit show`), read on a worker thread; opening it is itself recorded.
#include <QDialog>
#include <QFutureWatcher>

#include "audit_log.h"

class QDateEdit;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace lightbox::app {

class AuditDialog : public QDialog {
    Q_OBJECT
public:
    AuditDialog(std::string securityDir, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }
    void reload();

signals:
    void loaded(int shown);

private:
    void fill();
    std::string m_dir;
    QLineEdit *m_user, *m_patient;
    QDateEdit *m_from, *m_to;
    QLabel* m_status;
    QTableWidget* m_table;
    QFutureWatcher<Result<std::vector<security::AuditRecord>>> m_watcher;
};

}  // namespace lightbox::app
