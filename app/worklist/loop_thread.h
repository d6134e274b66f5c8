#pragma once
// A background thread that runs a round of work, then waits `every` seconds or until woken, until
// stopped. stop() sets the flag a round should check (stopFlag()) and joins; the flag cannot be
// missed between a round's check and its wait.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lightbox::app {

class LoopThread {
public:
    ~LoopThread() { stop(); }
    // `round` runs at once and then after each wait; it returns how long to wait (seconds).
    void start(std::function<int()> round)
    {
        if (m_thread.joinable()) return;
        m_stop = false;
        m_thread = std::thread([this, round = std::move(round)] {
            while (!m_stop) {
                const int wait = round();
                std::unique_lock<std::mutex> lock(m_mutex);
                m_cv.wait_for(lock, std::chrono::seconds(wait), [this] { return m_woken || m_stop.load(); });
                m_woken = false;
            }
        });
    }
    void wake()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_woken = true;
        }
        m_cv.notify_all();
    }
    void stop()
    {
        if (!m_thread.joinable()) return;
        {
            std::lock_guard<std::mutex> lock(m_mutex);  // not between the loop's check and its wait
            m_stop = true;
        }
        m_cv.notify_all();
        m_thread.join();
    }
    const std::atomic<bool>* stopFlag() const { return &m_stop; }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_woken = false;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace lightbox::app
