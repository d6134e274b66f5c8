#pragma once
// The prefetch part of the Transfers panel: the work queue's prefetch tasks (order, study, current
// or prior, archive, state, instances, last error, when) with a summary line ("Prefetch: 1 running,
// 12 queued, 40 done today, 1 failed"), and Retry for a failed task. The prefetching itself runs
// in the service process (`lightbox service`); this part only reads <cache>/worklist.sqlite, on
// the thread pool (never on the GUI thread), every few seconds while it is shown.
#include "work_queue.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;

namespace lightbox::app {

class CacheService;

struct PrefetchRow {
    PrefetchTask task;
    QString accession, patient;
};

class PrefetchProgress : public QWidget {
    Q_OBJECT
public:
    PrefetchProgress(CacheService& cache, QWidget* parent = nullptr);
    ~PrefetchProgress() override;

    QTableWidget* table() const { return m_table; }
    QString summary() const;
    QPushButton* retryButton() const { return m_retry; }

public slots:
    void refresh();

signals:
    void loaded();  // the table on screen is up to date
    void message(const QString& text);

protected:
    void showEvent(QShowEvent* e) override;

private:
    void onLoaded();
    void retrySelected();

    CacheService& m_cache;
    QTableWidget* m_table = nullptr;
    QLabel* m_summary = nullptr;
    QPushButton* m_retry = nullptr;
    QTimer m_timer;
    QFutureWatcher<void> m_loading;
    std::shared_ptr<std::vector<PrefetchRow>> m_loaded;
    bool m_refreshAgain = false;
};

}  // namespace lightbox::app
