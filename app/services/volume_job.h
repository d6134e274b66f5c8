#pragma once
// Loading a series as a volume for MPR and 3D: the volume is allocated and shown at once, then
// filled slice by slice on a background thread (from the slice shown first outwards), with
// progress for the status bar and cancellation.
#include "series_sorting.h"
#include "volume.h"
#include "volume_assembly.h"

#include <QFutureWatcher>
#include <QObject>

#include <atomic>
#include <memory>

class QThreadPool;
class QTimer;

namespace lightbox::app {

class VolumeJob : public QObject {
    Q_OBJECT
public:
    explicit VolumeJob(QThreadPool& pool, QObject* parent = nullptr);
    ~VolumeJob() override;

    // The volumes a series holds (the first is the one shown: the largest that is a volume).
    static std::vector<VolumePlan> plansFor(const SeriesGroup& series);
    // Starts loading `plan`; returns an error message if it cannot be shown as a volume.
    QString start(const SeriesGroup& series, const VolumePlan& plan);
    void cancel();
    bool running() const { return m_watcher.isRunning(); }

    std::shared_ptr<const Volume> volume() const { return m_volume; }
    std::shared_ptr<const InstanceSummary> summary() const { return m_summary; }
    const VolumePlan& plan() const { return m_plan; }

signals:
    // On the GUI thread, a few times a second while slices arrive.
    void progress(int slicesReady, int slices);
    // Empty error: every slice loaded.
    void finished(const QString& error);

private:
    QThreadPool& m_pool;
    VolumePlan m_plan;
    std::shared_ptr<Volume> m_volume;
    std::shared_ptr<const InstanceSummary> m_summary;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFutureWatcher<QString> m_watcher;
    QTimer* m_timer = nullptr;
    int m_reported = -1;
};

}  // namespace lightbox::app
