#include "audit_dialog.h"

#include <QDateEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace lightbox::app {

AuditDialog::AuditDialog(std::string securityDir, QWidget* parent) : QDialog(parent), m_dir(std::move(securityDir))
{
    setWindowTitle(tr("Audit trail"));
    resize(1000, 600);
    auto* layout = new QVBoxLayout(this);
    auto* filters = new QHBoxLayout;
    m_from = new QDateEdit(QDate::currentDate().addDays(-7));
    m_to = new QDateEdit(QDate::currentDate());
    for (QDateEdit* d : {m_from, m_to}) {
        d->setCalendarPopup(true);
        d->setDisplayFormat("yyyy-MM-dd");
    }
    m_from->setObjectName("from");
    m_to->setObjectName("to");
    m_user = new QLineEdit;
    m_user->setObjectName("user");
    m_user->setPlaceholderText(tr("any user"));
    m_patient = new QLineEdit;
    m_patient->setObjectName("patient");
    m_patient->setPlaceholderText(tr("any patient ID"));
    auto* show = new QPushButton(tr("Show"));
    filters->addWidget(new QLabel(tr("From")));
    filters->addWidget(m_from);
    filters->addWidget(new QLabel(tr("to")));
    filters->addWidget(m_to);
    filters->addWidget(new QLabel(tr("User")));
    filters->addWidget(m_user);
    filters->addWidget(new QLabel(tr("Patient ID")));
    filters->addWidget(m_patient);
    filters->addWidget(show);
    layout->addLayout(filters);
    m_table = new QTableWidget(0, 7);
    m_table->setHorizontalHeaderLabels({tr("#"), tr("Time (UTC)"), tr("User"), tr("Event"), tr("Patient ID"), tr("Study"), tr("Outcome")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    layout->addWidget(m_table);
    m_status = new QLabel;
    layout->addWidget(m_status);
    connect(show, &QPushButton::clicked, this, &AuditDialog::reload);
    connect(&m_watcher, &QFutureWatcher<Result<std::vector<security::AuditRecord>>>::finished, this, &AuditDialog::fill);
    reload();
}

void AuditDialog::reload()
{
    if (m_watcher.isRunning()) return;
    m_status->setText(tr("Reading the audit trail…"));
    const std::string dir = m_dir;
    m_watcher.setFuture(QtConcurrent::run([dir] { return security::AuditLog(dir).read(); }));
}

void AuditDialog::fill()
{
    const auto records = m_watcher.result();
    m_table->setRowCount(0);
    if (!records) {
        m_status->setText(QString::fromStdString(records.error().message));
        emit loaded(0);
        return;
    }
    const QString from = m_from->date().toString("yyyy-MM-dd"), to = m_to->date().toString("yyyy-MM-dd");
    const QString user = m_user->text().trimmed(), patient = m_patient->text().trimmed();
    for (const auto& r : *records) {
        const QString time = QString::fromStdString(r.entry.time);
        if (time.left(10) < from || time.left(10) > to) continue;
        if (!user.isEmpty() && QString::fromStdString(r.entry.user).section(' ', 0, 0) != user) continue;
        if (!patient.isEmpty() && QString::fromStdString(r.entry.patientId) != patient) continue;
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        const QStringList cells = {QString::number(r.seq), time, QString::fromStdString(r.entry.user), QString::fromStdString(r.entry.event),
                                   QString::fromStdString(r.entry.patientId), QString::fromStdString(r.entry.studyUid), QString::fromStdString(r.entry.outcome)};
        for (int c = 0; c < cells.size(); ++c) m_table->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
    m_table->resizeColumnsToContents();
    m_status->setText(tr("%n record(s)", nullptr, m_table->rowCount()));
    emit loaded(m_table->rowCount());
}

}  // namespace lightbox::app
