#include "transfer_panel.h"

#include "network_service.h"
#include "prefetch_progress.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace lightbox::app {

namespace {
enum Col { ColWhat, ColArchive, ColMethod, ColProgress, ColStatus, ColCount };
}

TransferPanel::TransferPanel(NetworkService& network, QWidget* parent) : QWidget(parent), m_network(network)
{
    m_table = new QTableWidget(0, ColCount, this);
    m_table->setHorizontalHeaderLabels({tr("Study"), tr("Archive"), tr("How"), tr("Progress"), tr("Status")});
    m_table->horizontalHeader()->setSectionResizeMode(ColStatus, QHeaderView::Stretch);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    auto* cancel = new QPushButton(tr("Cancel"), this);
    auto* retry = new QPushButton(tr("Retry"), this);
    auto* open = new QPushButton(tr("Open"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(cancel);
    buttons->addWidget(retry);
    buttons->addWidget(open);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    connect(&m_network, &NetworkService::transferChanged, this, &TransferPanel::update);
    connect(cancel, &QPushButton::clicked, this, [this] {
        if (int id = selectedId()) m_network.cancel(id);
    });
    connect(retry, &QPushButton::clicked, this, [this] {
        if (int id = selectedId()) m_network.retry(id);
    });
    connect(open, &QPushButton::clicked, this, [this] {
        if (const Transfer* t = m_network.transfer(selectedId())) emit openRequested(t->studyUid);
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        const Transfer* t = m_network.transfer(m_table->item(row, ColWhat)->data(Qt::UserRole).toInt());
        if (t && t->kind == Transfer::Kind::Retrieve && t->state == Transfer::State::Done) emit openRequested(t->studyUid);
    });
}

PrefetchProgress* TransferPanel::showPrefetch(CacheService& cache)
{
    if (!m_prefetch) {
        m_prefetch = new PrefetchProgress(cache, this);
        static_cast<QVBoxLayout*>(layout())->addWidget(m_prefetch, 1);
    }
    return m_prefetch;
}

int TransferPanel::selectedId() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return 0;
    return m_table->item(rows.front().row(), ColWhat)->data(Qt::UserRole).toInt();
}

void TransferPanel::update(int id)
{
    const Transfer* t = m_network.transfer(id);
    if (!t) return;
    int row = -1;
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, ColWhat)->data(Qt::UserRole).toInt() == id) row = r;
    if (row < 0) {
        row = m_table->rowCount();
        m_table->insertRow(row);
        auto* what = new QTableWidgetItem;
        what->setData(Qt::UserRole, id);
        m_table->setItem(row, ColWhat, what);
        for (int c : {ColArchive, ColMethod, ColStatus}) m_table->setItem(row, c, new QTableWidgetItem);
        auto* bar = new QProgressBar(m_table);
        bar->setTextVisible(true);
        m_table->setCellWidget(row, ColProgress, bar);
    }
    const bool retrieve = t->kind == Transfer::Kind::Retrieve;
    const bool exporting = t->kind == Transfer::Kind::Export;
    const bool task = t->kind == Transfer::Kind::Task;
    const bool fills = retrieve || (task && t->taskFills);
    m_table->item(row, ColWhat)->setText((fills ? tr("↓ ") : exporting ? tr("⇥ ") : tr("↑ ")) + (t->label.isEmpty() ? t->studyUid : t->label));
    m_table->item(row, ColWhat)->setToolTip(t->studyUid + (t->seriesUid.isEmpty() ? QString() : "\n" + t->seriesUid));
    m_table->item(row, ColArchive)->setText(t->archive);
    if (task)
        m_table->item(row, ColMethod)->setText(t->taskKind);
    else if (exporting)
        m_table->item(row, ColMethod)->setText(t->exportSpec->anonymize ? tr("export, anonymised") : tr("export, identified"));
    else
        m_table->item(row, ColMethod)->setText(retrieve ? (t->method == RetrieveMethod::Move ? "C-MOVE" : t->method == RetrieveMethod::Get ? "C-GET" : "WADO-RS")
                                                    : (t->stow ? "STOW-RS" : "C-STORE"));
    auto* bar = static_cast<QProgressBar*>(m_table->cellWidget(row, ColProgress));
    bar->setRange(0, std::max(1, t->total));
    bar->setValue(t->total ? t->done : 0);
    bar->setFormat(t->total ? QStringLiteral("%1 / %2").arg(t->done).arg(t->total) : QString("…"));
    m_table->item(row, ColStatus)->setText(t->status);
    const QColor color = t->state == Transfer::State::Failed ? QColor(198, 40, 40) : t->state == Transfer::State::Done ? QColor(26, 127, 55) : QColor();
    m_table->item(row, ColStatus)->setForeground(color.isValid() ? QBrush(color) : QBrush());
}

}  // namespace lightbox::app
