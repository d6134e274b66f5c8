#pragma once
// The transfer queue: every retrieve, send and export of this session with its progress and outcome;
// Cancel and Retry for the selected one; Open for a retrieved study. Below them, when the panel is
// given the cache, the prefetch tasks of the work queue (prefetch_progress.h).
#include <QWidget>

class QTableWidget;

namespace lightbox::app {

class CacheService;
class NetworkService;
class PrefetchProgress;

class TransferPanel : public QWidget {
    Q_OBJECT
public:
    TransferPanel(NetworkService& network, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }
    // Adds the prefetch part (once), reading the work queue of `cache`.
    PrefetchProgress* showPrefetch(CacheService& cache);
    PrefetchProgress* prefetch() const { return m_prefetch; }

signals:
    void openRequested(const QString& studyUid);

private:
    void update(int id);
    int selectedId() const;

    NetworkService& m_network;
    QTableWidget* m_table = nullptr;
    PrefetchProgress* m_prefetch = nullptr;
};

}  // namespace lightbox::app
