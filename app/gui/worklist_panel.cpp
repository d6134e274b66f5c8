#include "worklist_panel.h"

#include "auditor.h"
#include "cache.h"
#include "cache_service.h"
#include "stats_dialog.h"
#include "study_keeping.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace lightbox::app {

namespace {

enum Column { Priority, When, State, Patient, PatientId, Accession, Modality, Procedure, Priors, Assigned, Reader, ColumnCount };

// The status filter's choices: what the reader usually wants first.
struct StatusChoice {
    const char* label;
    std::vector<ItemStatus> statuses;
    bool closed = false;
};
const std::vector<StatusChoice>& statusChoices()
{
    static const std::vector<StatusChoice> choices = {
        {QT_TRANSLATE_NOOP("WorklistPanel", "Open items"), {}},
        {QT_TRANSLATE_NOOP("WorklistPanel", "Ready to read"), {ItemStatus::Cached}},
        {QT_TRANSLATE_NOOP("WorklistPanel", "Not here yet"), {ItemStatus::Scheduled, ItemStatus::Arriving}},
        {QT_TRANSLATE_NOOP("WorklistPanel", "In progress"), {ItemStatus::InProgress}},
        {QT_TRANSLATE_NOOP("WorklistPanel", "Read, not reported"), {ItemStatus::Read}},
        {QT_TRANSLATE_NOOP("WorklistPanel", "Everything, closed too"), {}, true},
    };
    return choices;
}

QString statusText(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Scheduled: return WorklistPanel::tr("Scheduled");
    case ItemStatus::Arriving: return WorklistPanel::tr("Arriving");
    case ItemStatus::Cached: return WorklistPanel::tr("Ready");
    case ItemStatus::InProgress: return WorklistPanel::tr("In progress");
    case ItemStatus::Read: return WorklistPanel::tr("Read");
    case ItemStatus::Reported: return WorklistPanel::tr("Reported");
    case ItemStatus::Cancelled: return WorklistPanel::tr("Cancelled");
    }
    return {};
}

QTableWidgetItem* cell(const QString& text)
{
    auto* c = new QTableWidgetItem(text);
    c->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return c;
}

}  // namespace

QString currentReader()
{
    auto auditor = security::currentAuditor();
    return auditor ? QString::fromStdString(auditor->identity().user) : QString::fromStdString(security::systemUser());
}

WorklistPanel::WorklistPanel(CacheService& cache, QWidget* parent) : QWidget(parent), m_cache(cache)
{
    buildControls();
    m_timer.setInterval(10000);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (isVisible()) refresh();
    });
    m_timer.start();
    connect(&m_loading, &QFutureWatcher<void>::finished, this, &WorklistPanel::onLoaded);
    connect(&m_cache, &CacheService::cacheChanged, this, [this] {
        if (isVisible()) refresh();
    });
}

WorklistPanel::~WorklistPanel() { m_loading.waitForFinished(); }

void WorklistPanel::buildControls()
{
    m_next = new QPushButton(tr("Next study"), this);
    m_next->setToolTip(tr("Open the first ready study for you, with its hanging protocol, and mark it in progress (Ctrl+N)"));
    m_next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    m_status = new QComboBox(this);
    for (const StatusChoice& c : statusChoices()) m_status->addItem(tr(c.label));
    m_modality = new QComboBox(this);
    m_modality->addItem(tr("All modalities"), QString());
    for (const char* m : {"CT", "MR", "CR", "DX", "MG", "US", "PT", "NM", "XA", "RF"}) m_modality->addItem(m, QString(m));
    m_mine = new QCheckBox(tr("Mine and unassigned"), this);
    m_text = new QLineEdit(this);
    m_text->setPlaceholderText(tr("Patient, ID, accession or procedure"));
    m_text->setClearButtonEnabled(true);
    auto* reload = new QPushButton(tr("Refresh"), this);
    auto* figures = new QPushButton(tr("Figures…"), this);
    auto* offline = new QPushButton(tr("Make available offline"), this);
    offline->setToolTip(tr("Fetch now, and keep in the cache until released, the studies and priors of the items shown that are not read yet"));
    figures->setToolTip(tr("Turnaround, reading time, workload and prefetch hit rate, with charts"));
    m_summary = new QLabel(this);

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_next);
    bar->addSpacing(12);
    bar->addWidget(m_status);
    bar->addWidget(m_modality);
    bar->addWidget(m_mine);
    bar->addWidget(m_text, 1);
    bar->addWidget(reload);
    bar->addWidget(offline);
    bar->addWidget(figures);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({tr("Priority"), tr("Scheduled / arrived"), tr("Status"), tr("Patient"), tr("Patient ID"), tr("Accession"),
                                        tr("Modality"), tr("Procedure"), tr("Priors"), tr("Assigned to"), tr("Reader")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setAlternatingRowColors(true);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);

    connect(m_next, &QPushButton::clicked, this, &WorklistPanel::openNext);
    connect(reload, &QPushButton::clicked, this, &WorklistPanel::refresh);
    connect(offline, &QPushButton::clicked, this, [this] {
        if (const auto auditor = security::currentAuditor(); auditor && !auditor->identity().may(security::Permission::Import)) {
            emit message(tr("Your role may not keep studies in the cache"));
            return;
        }
        emit offlineRequested(filter(), tr("Offline: the worklist shown (items: %1)").arg(m_shown.size())); });
    connect(figures, &QPushButton::clicked, this, [this] {
        auto* dialog = new StatsDialog(m_cache, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    connect(m_status, &QComboBox::currentIndexChanged, this, [this] {
        // The closed items are only loaded when asked for.
        if (statusChoices()[m_status->currentIndex()].closed) refresh();
        else fill();
    });
    connect(m_modality, &QComboBox::currentIndexChanged, this, &WorklistPanel::fill);
    connect(m_mine, &QCheckBox::toggled, this, &WorklistPanel::fill);
    connect(m_text, &QLineEdit::textChanged, this, &WorklistPanel::fill);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] {
        if (const ReadingItem* item = selected()) openItem(*item);
    });
    connect(m_table, &QWidget::customContextMenuRequested, this, &WorklistPanel::showMenu);
}

void WorklistPanel::showEvent(QShowEvent* e)
{
    QWidget::showEvent(e);
    refresh();
}

void WorklistPanel::refresh()
{
    if (m_loading.isRunning()) {
        m_refreshAgain = true;
        return;
    }
    ReadingListOptions options;
    options.includeClosed = statusChoices()[m_status->currentIndex()].closed;
    auto result = std::make_shared<std::vector<ReadingItem>>();
    m_loaded = result;
    const QString folder = m_cache.folder();
    m_loading.setFuture(m_cache.runWithCache([result, folder, options](storage::Cache* cache) {
        if (!cache) return;
        auto queue = WorkQueue::open(folder);
        if (!queue) return;
        *result = buildReadingList(**queue, cache->index(), options);
    }));
}

void WorklistPanel::onLoaded()
{
    if (m_loaded) m_all = *m_loaded;
    fill();
    if (m_refreshAgain) {
        m_refreshAgain = false;
        refresh();
        return;
    }
    emit loaded();
}

ReadingFilter WorklistPanel::filter() const
{
    ReadingFilter f;
    f.statuses = statusChoices()[m_status->currentIndex()].statuses;
    f.modality = m_modality->currentData().toString();
    if (m_mine->isChecked()) f.mineFor = currentReader();
    f.text = m_text->text();
    return f;
}

void WorklistPanel::fill()
{
    const QString keep = selected() ? selected()->key : QString();
    const ReadingFilter f = filter();
    m_shown.clear();
    for (const ReadingItem& item : m_all)
        if (f.matches(item)) m_shown.push_back(item);
    m_table->setRowCount(int(m_shown.size()));
    int ready = 0;
    for (int row = 0; row < int(m_shown.size()); ++row) {
        const ReadingItem& i = m_shown[size_t(row)];
        ready += i.status == ItemStatus::Cached;
        const QDateTime when = i.scheduled.isValid() ? i.scheduled : i.arrived;
        m_table->setItem(row, Priority, cell(i.priority.isEmpty() ? tr("routine") : i.priority));
        m_table->setItem(row, When, cell(when.isValid() ? QLocale().toString(when, QLocale::ShortFormat) : QString()));
        m_table->setItem(row, State, cell(statusText(i.status)));
        m_table->setItem(row, Patient, cell(QString(i.patientName).replace('^', ' ').trimmed()));
        m_table->setItem(row, PatientId, cell(i.patientId));
        m_table->setItem(row, Accession, cell(i.accession));
        m_table->setItem(row, Modality, cell(i.modality));
        m_table->setItem(row, Procedure, cell(i.procedure));
        m_table->setItem(row, Priors, cell(i.priorsPlanned > 0 ? tr("%1 of %2 here").arg(i.priorsCached).arg(i.priorsPlanned) : QString()));
        m_table->setItem(row, Assigned, cell(i.assignedTo));
        m_table->setItem(row, Reader, cell(i.readingUser));
        if (priorityRank(i.priority) == 0)
            for (int c = 0; c < ColumnCount; ++c) m_table->item(row, c)->setForeground(QColor(200, 30, 30));
        if (i.key == keep) m_table->selectRow(row);
    }
    m_table->resizeColumnsToContents();
    m_summary->setText(tr("%n item(s) shown, %1 ready to read", nullptr, int(m_shown.size())).arg(ready));
}

const ReadingItem* WorklistPanel::selected() const
{
    const int row = m_table->currentRow();
    if (row < 0 || row >= int(m_shown.size()) || m_table->selectedItems().isEmpty()) return nullptr;
    return &m_shown[size_t(row)];
}

void WorklistPanel::openNext()
{
    const ReadingFilter f = filter();
    const QString user = currentReader(), folder = m_cache.folder();
    auto result = std::make_shared<Result<std::optional<ReadingItem>>>(std::optional<ReadingItem>{});
    m_next->setEnabled(false);
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher, result, user] {
        watcher->deleteLater();
        m_next->setEnabled(true);
        if (!*result) emit message(tr("Worklist: %1").arg(QString::fromStdString(result->error().message)));
        else if (!**result) emit message(tr("Nothing to read: no study is ready for %1.").arg(user));
        else emit readRequested((**result)->studyUid);
        refresh();
    });
    watcher->setFuture(m_cache.runWithCache([result, folder, user, f](storage::Cache* cache) {
        if (!cache) {
            *result = makeError("cache", "the cache cannot be opened");
            return;
        }
        auto queue = WorkQueue::open(folder);
        if (!queue) {
            *result = queue.error();
            return;
        }
        *result = claimNextStudy(**queue, cache->index(), user, f);
    }));
}

void WorklistPanel::openItem(const ReadingItem& item)
{
    if (item.studyUid.isEmpty() || item.cachedInstances == 0) {
        emit message(tr("The study of %1 is not in the cache yet.").arg(item.accession.isEmpty() ? item.patientId : item.accession));
        return;
    }
    if (item.status == ItemStatus::InProgress && item.readingUser != currentReader())
        emit message(tr("%1 is reading this study too.").arg(item.readingUser));
    const QString study = item.studyUid;
    if (item.status == ItemStatus::Cached || item.status == ItemStatus::InProgress)
        change([key = item.key, study](ReadingLog& log, const QString& user) { return log.setState(key, study, ReadingState::InProgress, user); });
    emit readRequested(study);
}

void WorklistPanel::change(std::function<Status(ReadingLog&, const QString&)> write)
{
    const QString user = currentReader(), folder = m_cache.folder();
    auto outcome = std::make_shared<Status>(Done{});
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher, outcome] {
        watcher->deleteLater();
        if (!*outcome) emit message(tr("Worklist: %1").arg(QString::fromStdString(outcome->error().message)));
        refresh();
    });
    watcher->setFuture(m_cache.runWithCache([outcome, folder, user, write](storage::Cache* cache) {
        auto queue = WorkQueue::open(folder);
        if (!queue) {
            *outcome = queue.error();
            return;
        }
        ReadingLog log(**queue);
        *outcome = write(log, user);
        // An order read (or back on the list) changes which studies the cache must keep.
        if (*outcome && cache) releaseFinishedOrderHolds(**queue, *cache);
    }));
}

void WorklistPanel::showMenu(const QPoint& at)
{
    const ReadingItem* item = selected();
    if (!item) return;
    const ReadingItem copy = *item;
    const QString key = copy.key, study = copy.studyUid;
    QMenu menu(this);
    menu.addAction(tr("Open with hanging protocol"), this, [this, copy] { openItem(copy); });
    menu.addSeparator();
    menu.addAction(tr("Assign to me"), this, [this, key, study] {
        change([key, study](ReadingLog& log, const QString& user) { return log.assign(key, study, user, user); });
    });
    if (!copy.assignedTo.isEmpty())
        menu.addAction(tr("Unassign"), this, [this, key, study] {
            change([key, study](ReadingLog& log, const QString& user) { return log.assign(key, study, {}, user); });
        });
    menu.addAction(tr("Mark read"), this, [this, key, study] {
        change([key, study](ReadingLog& log, const QString& user) { return log.setState(key, study, ReadingState::Read, user); });
    });
    if (copy.status == ItemStatus::InProgress || copy.status == ItemStatus::Read || copy.status == ItemStatus::Reported)
        menu.addAction(tr("Back on the list"), this, [this, key, study] {
            change([key, study](ReadingLog& log, const QString& user) { return log.setState(key, study, ReadingState::None, user); });
        });
    menu.addSeparator();
    menu.addAction(tr("Make this patient available offline"), this,
                   [this, copy] { emit offlinePatientRequested(copy.patientId, copy.patientName); });
    menu.exec(m_table->viewport()->mapToGlobal(at));
}

}  // namespace lightbox::app
