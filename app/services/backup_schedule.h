#pragma once
// Scheduled backups (AppConfig::backup): whether one is due, and running it in the background
// from a long-running process (the GUI, `lightbox listen`), one at a time.
#include "app_config.h"

#include <QString>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace lightbox::app {

// Due when a folder and an interval are set and the newest complete backup in the folder is older
// than the interval (or there is none).
bool backupDue(const BackupSchedule& schedule);

// Checks now and then (call tick() every minute or so); when a backup is due it runs on its own
// thread with its own cache connection, and the next tick reports how it went.
class BackupRunner {
public:
    BackupRunner(BackupSchedule schedule, QString cacheDir) : m_schedule(std::move(schedule)), m_cacheDir(std::move(cacheDir)) {}
    ~BackupRunner();  // waits for a backup in progress (it cannot be left half-named)
    // Starts a due backup; returns the line to say about the last one that finished (once), else "".
    QString tick();

private:
    BackupSchedule m_schedule;
    QString m_cacheDir;
    std::thread m_thread;
    std::atomic<bool> m_running{false};
    std::shared_ptr<QString> m_outcome = std::make_shared<QString>();
};

}  // namespace lightbox::app
