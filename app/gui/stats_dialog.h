#pragma once
// Reading figures (app/worklist/reading_stats.h) for a period, with charts: the median
// turnaround steps, and each reader's workload per modality; the studies in a table; export to
// CSV. A radiologist sees their own reader figures, the other roles everyone's. Computed on the
// thread pool.
#include "reading_stats.h"

#include <QDialog>
#include <QFutureWatcher>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QChartView;

namespace lightbox::app {

class CacheService;

class StatsDialog : public QDialog {
    Q_OBJECT
public:
    StatsDialog(CacheService& cache, QWidget* parent = nullptr);
    ~StatsDialog() override;
    const ReadingStats& stats() const { return *m_stats; }
    QChartView* turnaroundChart() const { return m_turnaround; }
    QChartView* workloadChart() const { return m_workload; }

public slots:
    void reload();

signals:
    void loaded();

private:
    void fill();
    void exportCsv();

    CacheService& m_cache;
    QComboBox* m_period = nullptr;
    QLabel* m_summary = nullptr;
    QChartView* m_turnaround = nullptr;
    QChartView* m_workload = nullptr;
    QTableWidget* m_table = nullptr;
    QPushButton* m_csv = nullptr;
    bool m_reloadAgain = false;
    QFutureWatcher<void> m_watcher;
    std::shared_ptr<ReadingStats> m_stats = std::make_shared<ReadingStats>();
    std::shared_ptr<ReadingStats> m_loading;
};

}  // namespace lightbox::app
