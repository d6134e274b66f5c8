#include "stats_dialog.h"

#include "auditor.h"
#include "cache.h"
#include "cache_service.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QStackedBarSeries>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <set>

#include <QtConcurrent>

namespace lightbox::app {

namespace {

QString when(std::int64_t ms) { return ms > 0 ? QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat) : QString(); }
double minutes(std::int64_t ms) { return ms >= 0 ? double(ms) / 60000.0 : 0.0; }

QChartView* chartView(QWidget* parent)
{
    auto* view = new QChartView(new QChart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(420, 260);
    return view;
}

}  // namespace

StatsDialog::StatsDialog(CacheService& cache, QWidget* parent) : QDialog(parent), m_cache(cache)
{
    setWindowTitle(tr("Reading figures"));
    m_period = new QComboBox(this);
    m_period->addItem(tr("Today"), 0);
    m_period->addItem(tr("Last 7 days"), 7);
    m_period->addItem(tr("Last 30 days"), 30);
    m_period->setCurrentIndex(1);
    m_summary = new QLabel(this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_turnaround = chartView(this);
    m_workload = chartView(this);
    m_table = new QTableWidget(0, 8, this);
    m_table->setHorizontalHeaderLabels({tr("Accession"), tr("Patient ID"), tr("Modality"), tr("Ordered"), tr("Arrived"), tr("First opened"),
                                        tr("Reported"), tr("Here before opened")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_csv = new QPushButton(tr("Export CSV…"), this);
    auto* csv = m_csv;
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Period:"), this));
    top->addWidget(m_period);
    top->addStretch(1);
    top->addWidget(csv);
    auto* charts = new QHBoxLayout;
    charts->addWidget(m_turnaround);
    charts->addWidget(m_workload);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_summary);
    layout->addLayout(charts, 2);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    resize(1000, 720);

    connect(m_period, &QComboBox::currentIndexChanged, this, &StatsDialog::reload);
    connect(csv, &QPushButton::clicked, this, &StatsDialog::exportCsv);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(&m_watcher, &QFutureWatcher<void>::finished, this, &StatsDialog::fill);
    reload();
}

StatsDialog::~StatsDialog() { m_watcher.waitForFinished(); }

void StatsDialog::reload()
{
    if (m_watcher.isRunning()) {
        m_reloadAgain = true;  // the period changed while loading: load again when done
        return;
    }
    m_csv->setEnabled(false);
    const int days = m_period->currentData().toInt();
    const QDateTime now = QDateTime::currentDateTime();
    const std::int64_t to = now.toMSecsSinceEpoch() + 1;
    const std::int64_t from = QDateTime(now.date().addDays(-days), QTime(0, 0)).toMSecsSinceEpoch();
    // A radiologist's dashboard is their own; the other roles see every reader.
    QString only;
    if (auto auditor = security::currentAuditor(); auditor && auditor->identity().role == security::Role::Radiologist)
        only = QString::fromStdString(auditor->identity().user);
    auto result = std::make_shared<ReadingStats>();
    m_loading = result;
    const QString folder = m_cache.folder();
    m_watcher.setFuture(m_cache.runWithCache([result, folder, from, to, only](storage::Cache* cache) {
        if (!cache) return;
        auto queue = WorkQueue::open(folder);
        if (!queue) return;
        *result = computeReadingStats(**queue, cache->index(), from, to, only);
    }));
}

void StatsDialog::fill()
{
    if (m_reloadAgain) {
        m_reloadAgain = false;
        reload();
        return;
    }
    m_stats = m_loading;
    m_csv->setEnabled(true);
    const ReadingStats& s = *m_stats;
    m_summary->setText(tr("%1 orders, %2 opened; prefetch hit rate %3. QA: %4 failed prefetches, %5 cancelled orders, %6 studies with problems.")
                           .arg(s.studies.size())
                           .arg(s.opened)
                           .arg(s.opened ? QString::number(100.0 * s.hitRate(), 'f', 0) + " %" : tr("—"))
                           .arg(s.failedPrefetches)
                           .arg(s.cancelledOrders)
                           .arg(s.studiesWithProblems));

    auto* steps = new QBarSet(tr("Median, minutes"));
    *steps << minutes(s.medianOrderToArrival) << minutes(s.medianArrivalToOpen) << minutes(s.medianOpenToReport) << minutes(s.medianOrderToReport);
    auto* turnaround = new QBarSeries;
    turnaround->append(steps);
    turnaround->setLabelsVisible(true);
    turnaround->setLabelsPrecision(3);
    auto* chart = new QChart;
    chart->setTitle(tr("Turnaround (median)"));
    chart->addSeries(turnaround);
    auto* stepAxis = new QBarCategoryAxis;
    stepAxis->append({tr("order\n→ here"), tr("here\n→ opened"), tr("opened\n→ reported"), tr("order\n→ reported")});
    chart->addAxis(stepAxis, Qt::AlignBottom);
    auto* minutesAxis = new QValueAxis;
    minutesAxis->setTitleText(tr("minutes"));
    minutesAxis->setLabelFormat("%.1f");
    minutesAxis->setMin(0);
    chart->addAxis(minutesAxis, Qt::AlignLeft);
    turnaround->attachAxis(stepAxis);
    turnaround->attachAxis(minutesAxis);
    chart->legend()->hide();
    delete m_turnaround->chart();
    m_turnaround->setChart(chart);

    // Workload: one stacked bar per reader, one colour per modality.
    std::set<QString> modalities;
    for (const ReaderFigures& r : s.readers)
        for (const auto& [m, n] : r.byModality) modalities.insert(m.isEmpty() ? "?" : m);
    auto* workload = new QStackedBarSeries;
    for (const QString& m : modalities) {
        auto* set = new QBarSet(m);
        for (const ReaderFigures& r : s.readers) {
            auto it = r.byModality.find(m == "?" ? QString() : m);
            *set << (it == r.byModality.end() ? 0 : it->second);
        }
        workload->append(set);
    }
    auto* load = new QChart;
    load->setTitle(tr("Studies read per reader"));
    load->addSeries(workload);
    auto* readersAxis = new QBarCategoryAxis;
    for (const ReaderFigures& r : s.readers) readersAxis->append(r.user + "\n" + tr("%1 min reading").arg(minutes(r.readingMs), 0, 'f', 0));
    load->addAxis(readersAxis, Qt::AlignBottom);
    auto* countAxis = new QValueAxis;
    countAxis->setLabelFormat("%.0f");
    int most = 1;
    for (const ReaderFigures& r : s.readers) {
        int n = 0;
        for (const auto& [m, count] : r.byModality) n += count;
        most = std::max(most, n);
    }
    countAxis->setRange(0, most);
    countAxis->setTickCount(std::min(most, 10) + 1);  // whole studies on the ticks
    load->addAxis(countAxis, Qt::AlignLeft);
    workload->attachAxis(readersAxis);
    workload->attachAxis(countAxis);
    delete m_workload->chart();
    m_workload->setChart(load);

    m_table->setRowCount(int(s.studies.size()));
    for (int row = 0; row < int(s.studies.size()); ++row) {
        const StudyTurnaround& t = s.studies[size_t(row)];
        const QStringList cells{t.accession, t.patientId, t.modality, when(t.orderedAt), when(t.arrivedAt), when(t.firstOpenedAt), when(t.reportedAt),
                                t.opened() ? (t.prefetchHit() ? tr("yes") : tr("no")) : QString()};
        for (int c = 0; c < cells.size(); ++c) m_table->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
    m_table->resizeColumnsToContents();
    emit loaded();
}

void StatsDialog::exportCsv()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export reading figures"), "reading-figures.csv", tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    // The file names patients' IDs and accessions: a copy leaving Lightbox, as an export is.
    if (auto auditor = security::currentAuditor()) {
        if (Status allowed = auditor->require(security::Permission::ExportIdentified, "export reading figures with patient IDs"); !allowed) {
            QMessageBox::warning(this, windowTitle(), QString::fromStdString(allowed.error().message));
            return;
        }
    }
    const QByteArray bytes = readingStatsCsv(*m_stats);
    // Written on a worker (the disk may be a slow share); 0600 from its creation.
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
        watcher->deleteLater();
        if (!watcher->result().isEmpty()) QMessageBox::warning(this, windowTitle(), watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([path, bytes]() -> QString {
        QSaveFile f(path);
        const bool written = f.open(QIODevice::WriteOnly) && f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) && f.write(bytes) >= 0 &&
                             f.commit();
        return written ? QString() : path + ": " + f.errorString();
    }));
}

}  // namespace lightbox::app
