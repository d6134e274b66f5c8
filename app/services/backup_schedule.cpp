#include "backup_schedule.h"

#include "backup.h"

#include <QDateTime>
#include <QFileInfo>

namespace lightbox::app {

bool backupDue(const BackupSchedule& schedule)
{
    if (schedule.folder.isEmpty() || schedule.everyHours <= 0) return false;
    const std::string newest = storage::newestBackup(schedule.folder.toStdString());
    if (newest.empty()) return true;
    const QDateTime made = QFileInfo(QString::fromStdString(newest) + "/backup.json").lastModified();
    return made.secsTo(QDateTime::currentDateTime()) >= qint64(schedule.everyHours) * 3600;
}

BackupRunner::~BackupRunner()
{
    if (m_thread.joinable()) m_thread.join();
}

QString BackupRunner::tick()
{
    if (m_running.load()) return {};
    if (m_thread.joinable()) m_thread.join();
    QString said = *m_outcome;
    m_outcome->clear();
    if (!backupDue(m_schedule)) return said;
    m_running = true;
    m_thread = std::thread([this, outcome = m_outcome] {
        auto cache = storage::Cache::open(m_cacheDir.toStdString());
        if (!cache) {
            *outcome = "scheduled backup failed: " + QString::fromStdString(cache.error().message);
        } else {
            auto r = storage::backupCache(**cache, m_schedule.folder.toStdString());
            *outcome = r ? QStringLiteral("scheduled backup: %1 studies, %2 instances in %3%4")
                               .arg(r->studies)
                               .arg(r->instances)
                               .arg(QString::fromStdString(r->folder), r->ok() ? QString() : QStringLiteral(" (with problems)"))
                         : "scheduled backup failed: " + QString::fromStdString(r.error().message);
        }
        m_running = false;
    });
    return said;
}

}  // namespace lightbox::app
