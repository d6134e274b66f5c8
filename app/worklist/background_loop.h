#pragma once
// A thread of its own for the work of a long-running process (`lightbox service`, the GUI): runs a
// round at once when woken and every `everySeconds` otherwise. stop() sets the flag the round is
// given (its transfers end at the next instance) and joins. The round tells what it did, one line
// at a time, to the report set before start() (called on the loop's thread).
#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lightbox::app {

class BackgroundLoop {
public:
    using Report = std::function<void(const QString&)>;
    using Round = std::function<void(const std::atomic<bool>& stop, const Report& report)>;
    BackgroundLoop(int everySeconds, Round round) : m_every(everySeconds), m_round(std::move(round)) {}
    ~BackgroundLoop() { stop(); }
    void setOnReport(Report f) { m_report = std::move(f); }
    void start();
    void wake();
    void stop();

private:
    void run();
    int m_every;
    Round m_round;
    Report m_report = [](const QString&) {};
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_woken = false;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace lightbox::app
