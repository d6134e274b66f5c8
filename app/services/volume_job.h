#pragma once
// Loading a series as a volume for MPR and 3D, all of it off the GUI thread: the series is
// assembled into volumes and the largest one allocated on a worker (started() then hands it to the
// GUI thread, which shows it at once), then filled slice by slice (from the middle slice outwards),
// with progress for the status bar and cancellation.
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
    // Starts loading the series' first volume (plansFor); started() follows, then finished().
    void start(const SeriesGroup& series);
    void cancel();
    bool running() const { return m_watcher.isRunning(); }

    // Set once started() was emitted without an error.
    std::shared_ptr<const Volume> volume() const { return m_volume; }
    std::shared_ptr<const InstanceSummary> summary() const { return m_summary; }
    const VolumePlan& plan() const { return m_plan; }
    int volumeCount() const { return m_volumeCount; }  // volumes the series holds

signals:
    // On the GUI thread: the volume is allocated and may be shown (empty error), or it cannot be
    // (the reason; finished() follows with the same reason).
    void started(const QString& error);
    // On the GUI thread, a few times a second while slices arrive.
    void progress(int slicesReady, int slices);
    // Empty error: every slice loaded.
    void finished(const QString& error);

private:
    struct Run;
    QThreadPool& m_pool;
    VolumePlan m_plan;
    int m_volumeCount = 0;
    std::shared_ptr<Volume> m_volume;
    std::shared_ptr<const InstanceSummary> m_summary;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFutureWatcher<QString> m_watcher;
    QTimer* m_timer = nullptr;
    int m_reported = -1;
};

}  // namespace lightbox::app
