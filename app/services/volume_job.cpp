#include "volume_job.h"

#include "volume_loader.h"

#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

namespace lightbox::app {

VolumeJob::VolumeJob(QThreadPool& pool, QObject* parent) : QObject(parent), m_pool(pool)
{
    m_timer = new QTimer(this);
    m_timer->setInterval(120);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (!m_volume) return;
        const int ready = m_volume->readyCount();
        if (ready != m_reported) {
            m_reported = ready;
            emit progress(ready, m_volume->geometry().size[2]);
        }
    });
    connect(&m_watcher, &QFutureWatcher<QString>::finished, this, [this] {
        m_timer->stop();
        const QString error = m_watcher.future().resultCount() ? m_watcher.result() : tr("cancelled");
        if (m_volume) emit progress(m_volume->readyCount(), m_volume->geometry().size[2]);
        emit finished(error);
    });
}

VolumeJob::~VolumeJob()
{
    cancel();
    m_watcher.waitForFinished();
}

std::vector<VolumePlan> VolumeJob::plansFor(const SeriesGroup& series)
{
    std::vector<VolumePlan> plans = assembleVolumes(series.images);
    std::stable_sort(plans.begin(), plans.end(), [](const VolumePlan& a, const VolumePlan& b) {
        if (a.isVolume != b.isVolume) return a.isVolume;
        return a.slices.size() > b.slices.size();
    });
    return plans;
}

void VolumeJob::start(const SeriesGroup& series)
{
    cancel();
    m_volume.reset();
    m_summary.reset();
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_reported = -1;
    auto cancelFlag = m_cancel;
    auto images = std::make_shared<const std::vector<OpenedImage>>(series.images);
    QPointer<VolumeJob> self(this);
    // The previous run (cancelled) finishes on its own; this one waits for nothing on this thread.
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [self, cancelFlag, images, series]() -> QString {
        const std::vector<VolumePlan> plans = plansFor(series);
        QString error;
        Result<std::shared_ptr<Volume>> vol = makeError("not-a-volume", "");
        if (plans.empty()) error = tr("This series has no images with a position in space.");
        else if (!plans.front().isVolume || plans.front().slices.size() < 2)
            error = tr("This series is not a volume (%1): MPR and 3D need parallel slices.")
                        .arg(QString::fromStdString(plans.front().warnings.empty() ? std::string("single image") : plans.front().warnings.front()));
        else if (vol = createVolume(plans.front(), *images); !vol)
            error = QString::fromStdString(vol.error().message);
        // Handed to the GUI thread, which shows the (still empty) volume at once.
        std::shared_ptr<Volume> volume = vol ? *vol : nullptr;
        const VolumePlan plan = plans.empty() ? VolumePlan{} : plans.front();
        const int count = int(plans.size());
        QMetaObject::invokeMethod(
            self.data(),
            [self, cancelFlag, volume, plan, count, images, error] {
                if (!self || cancelFlag->load()) return;
                if (volume) {
                    self->m_plan = plan;
                    self->m_volumeCount = count;
                    self->m_volume = volume;
                    // What the overlay says of the volume: the central image's attributes.
                    self->m_summary = (*images)[plan.slices[plan.slices.size() / 2].image].summary;
                    self->m_timer->start();
                }
                emit self->started(error);
            },
            Qt::QueuedConnection);
        if (!error.isEmpty() || cancelFlag->load()) return error.isEmpty() ? tr("cancelled") : error;
        FillOptions o;
        o.cancel = cancelFlag.get();
        o.firstSlice = volume->geometry().size[2] / 2;  // the planes open on the centre of the volume
        const Status s = fillVolume(*volume, plan, *images, o);
        if (cancelFlag->load()) return tr("cancelled");
        return s ? QString() : QString::fromStdString(s.error().message);
    }));
}

void VolumeJob::cancel()
{
    if (m_cancel) m_cancel->store(true);
}

}  // namespace lightbox::app
