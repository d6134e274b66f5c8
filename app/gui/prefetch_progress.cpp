#include "prefetch_progress.h"

#include "cache_service.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace lightbox::app {

namespace {

enum Col { ColOrder, ColStudy, ColKind, ColArchive, ColState, ColInstances, ColError, ColWhen, ColCount };

constexpr int kRefreshMs = 3000;
constexpr std::size_t kMostRows = 500;

qint64 startOfToday() { return QDateTime(QDate::currentDate(), QTime(0, 0)).toMSecsSinceEpoch(); }

bool finished(const PrefetchTask& t) { return t.state == PrefetchTask::State::Done || t.state == PrefetchTask::State::Skipped; }

// Running first, then queued, then failed, then the finished ones (the latest first); finished
// before yesterday left out.
std::vector<PrefetchRow> rowsOf(WorkQueue& queue)
{
    std::map<std::int64_t, StoredOrder> orders;
    for (StoredOrder& o : queue.orders()) orders.emplace(o.id, std::move(o));
    const qint64 since = startOfToday() - 24 * 3600 * 1000LL;
    std::vector<PrefetchRow> rows;
    for (PrefetchTask& t : queue.tasks()) {
        if (finished(t) && t.finishedAt < since) continue;
        PrefetchRow row{std::move(t), {}, {}};
        if (auto it = orders.find(row.task.orderId); it != orders.end()) {
            const Order& o = it->second.order;
            row.accession = o.accession;
            const QString name = QString(o.patientName).replace('^', ' ').trimmed();
            row.patient = name.isEmpty() ? o.patientId : QString("%1 (%2)").arg(name, o.patientId);
        }
        rows.push_back(std::move(row));
    }
    const auto rank = [](const PrefetchTask& t) {
        switch (t.state) {
        case PrefetchTask::State::Running: return 0;
        case PrefetchTask::State::Queued: return 1;
        case PrefetchTask::State::Failed: return 2;
        default: return 3;
        }
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const PrefetchRow& a, const PrefetchRow& b) {
        return std::make_pair(rank(a.task), -a.task.finishedAt) < std::make_pair(rank(b.task), -b.task.finishedAt);
    });
    if (rows.size() > kMostRows) rows.resize(kMostRows);
    return rows;
}

QString when(const PrefetchTask& t)
{
    const auto shown = [](qint64 ms) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms);
        return at.date() == QDate::currentDate() ? at.toString("HH:mm:ss") : at.toString("yyyy-MM-dd HH:mm");
    };
    if (t.finishedAt > 0) return shown(t.finishedAt);
    if (t.state == PrefetchTask::State::Queued && t.notBefore > QDateTime::currentMSecsSinceEpoch())
        return PrefetchProgress::tr("again at %1").arg(shown(t.notBefore));
    return {};
}

}  // namespace

PrefetchProgress::PrefetchProgress(CacheService& cache, QWidget* parent) : QWidget(parent), m_cache(cache)
{
    m_summary = new QLabel(tr("Prefetch: reading the work queue…"), this);
    m_summary->setObjectName("prefetchSummary");
    m_summary->setStyleSheet("font-weight: bold");
    m_retry = new QPushButton(tr("Retry prefetch"), this);
    m_retry->setToolTip(tr("Queue the selected failed prefetch again, at once"));
    m_table = new QTableWidget(0, ColCount, this);
    m_table->setObjectName("prefetchTasks");
    m_table->setHorizontalHeaderLabels({tr("Order"), tr("Study"), tr("Kind"), tr("Archive"), tr("State"), tr("Instances"), tr("Last error"), tr("When")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ColError, QHeaderView::Stretch);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_retry);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    m_timer.setInterval(kRefreshMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (isVisible()) refresh();
    });
    m_timer.start();
    connect(&m_loading, &QFutureWatcher<void>::finished, this, &PrefetchProgress::onLoaded);
    connect(m_retry, &QPushButton::clicked, this, &PrefetchProgress::retrySelected);
}

PrefetchProgress::~PrefetchProgress() { m_loading.waitForFinished(); }

void PrefetchProgress::showEvent(QShowEvent* e)
{
    QWidget::showEvent(e);
    refresh();
}

void PrefetchProgress::refresh()
{
    if (m_loading.isRunning()) {
        m_refreshAgain = true;
        return;
    }
    auto result = std::make_shared<std::vector<PrefetchRow>>();
    m_loaded = result;
    const QString folder = m_cache.folder();
    m_loading.setFuture(m_cache.runWithCache([result, folder](storage::Cache* cache) {
        if (!cache) return;
        auto queue = WorkQueue::open(folder);
        if (queue) *result = rowsOf(**queue);
    }));
}

QString PrefetchProgress::summary() const { return m_summary->text(); }

void PrefetchProgress::onLoaded()
{
    const std::vector<PrefetchRow> rows = m_loaded ? *m_loaded : std::vector<PrefetchRow>{};
    const qint64 today = startOfToday();
    int running = 0, queued = 0, doneToday = 0, cachedToday = 0, failed = 0;
    const std::int64_t selected = m_table->currentRow() >= 0 ? m_table->item(m_table->currentRow(), ColOrder)->data(Qt::UserRole).toLongLong() : 0;
    m_table->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const PrefetchTask& t = rows[std::size_t(r)].task;
        running += t.state == PrefetchTask::State::Running;
        queued += t.state == PrefetchTask::State::Queued;
        failed += t.state == PrefetchTask::State::Failed;
        doneToday += t.state == PrefetchTask::State::Done && t.finishedAt >= today;
        cachedToday += t.state == PrefetchTask::State::Skipped && t.finishedAt >= today;
        const QString order = QStringList{rows[std::size_t(r)].accession, rows[std::size_t(r)].patient}.join(" · ");
        const QStringList texts{order, t.reason, t.kind, t.archive, stateName(t.state), QString::number(t.instances), t.lastError, when(t)};
        for (int c = 0; c < ColCount; ++c) {
            auto* item = new QTableWidgetItem(texts[c]);
            if (c == ColStudy) item->setToolTip(t.studyUid);
            if (c == ColError) item->setToolTip(t.lastError);
            m_table->setItem(r, c, item);
        }
        m_table->item(r, ColOrder)->setData(Qt::UserRole, qlonglong(t.id));
        m_table->item(r, ColState)->setData(Qt::UserRole, int(t.state));
        const QColor color = t.state == PrefetchTask::State::Failed ? QColor(198, 40, 40) : finished(t) ? QColor(26, 127, 55) : QColor();
        if (color.isValid()) m_table->item(r, ColState)->setForeground(color);
        if (t.id == selected) m_table->selectRow(r);
    }
    QString text = tr("Prefetch: %1 running, %2 queued, %3 done today, %4 failed").arg(running).arg(queued).arg(doneToday).arg(failed);
    if (cachedToday > 0) text += tr(", %1 found cached today").arg(cachedToday);
    m_summary->setText(text);
    if (m_refreshAgain) {
        m_refreshAgain = false;
        refresh();
        return;
    }
    emit loaded();
}

void PrefetchProgress::retrySelected()
{
    const int row = m_table->currentRow();
    if (row < 0 || PrefetchTask::State(m_table->item(row, ColState)->data(Qt::UserRole).toInt()) != PrefetchTask::State::Failed) {
        emit message(tr("Select a failed prefetch to try it again."));
        return;
    }
    const std::int64_t id = m_table->item(row, ColOrder)->data(Qt::UserRole).toLongLong();
    const QString folder = m_cache.folder();
    auto outcome = std::make_shared<QString>();
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher, outcome] {
        watcher->deleteLater();
        if (!outcome->isEmpty()) emit message(*outcome);
        refresh();
    });
    watcher->setFuture(m_cache.runWithCache([folder, id, outcome](storage::Cache* cache) {
        if (!cache) return;
        auto queue = WorkQueue::open(folder);
        Status s = queue ? (*queue)->retryFailed(id) : Status(queue.error());
        if (!s) *outcome = QString::fromStdString(s.error().message);
    }));
}

}  // namespace lightbox::app
