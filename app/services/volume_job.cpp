#include "volume_job.h"

#include "volume_loader.h"

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

QString VolumeJob::start(const SeriesGroup& series, const VolumePlan& plan)
{
    cancel();
    m_watcher.waitForFinished();
    m_volume.reset();
    m_summary.reset();
    if (!plan.isVolume || plan.slices.size() < 2)
        return tr("This series is not a volume (%1): MPR and 3D need parallel slices.")
            .arg(QString::fromStdString(plan.warnings.empty() ? std::string("single image") : plan.warnings.front()));
    auto vol = createVolume(plan, series.images);
    if (!vol) return QString::fromStdString(vol.error().message);
    m_plan = plan;
    m_volume = *vol;
    m_summary = series.images[plan.slices.front().image].summary;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_reported = -1;
    // The middle slice first: the planes open on the centre of the volume.
    const int first = m_volume->geometry().size[2] / 2;
    auto volume = m_volume;
    auto cancelFlag = m_cancel;
    auto images = std::make_shared<const std::vector<OpenedImage>>(series.images);
    auto planCopy = std::make_shared<const VolumePlan>(plan);
    // One pool thread runs the loader; the loader decodes with its own threads, one per core.
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [volume, cancelFlag, images, planCopy, first]() -> QString {
        FillOptions o;
        o.cancel = cancelFlag.get();
        o.firstSlice = first;
        const Status s = fillVolume(*volume, *planCopy, *images, o);
        if (cancelFlag->load()) return QObject::tr("cancelled");
        return s ? QString() : QString::fromStdString(s.error().message);
    }));
    m_timer->start();
    return {};
}

void VolumeJob::cancel()
{
    if (m_cancel) m_cancel->store(true);
}

}  // namespace lightbox::app
