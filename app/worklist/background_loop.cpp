#include "background_loop.h"

#include <chrono>

namespace lightbox::app {

void BackgroundLoop::start()
{
    if (m_thread.joinable()) return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void BackgroundLoop::wake()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_woken = true;
    }
    m_cv.notify_all();
}

void BackgroundLoop::stop()
{
    if (!m_thread.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(m_mutex);  // not between the loop's check and its wait
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void BackgroundLoop::run()
{
    while (!m_stop) {
        m_round(m_stop, m_report);
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait_for(lock, std::chrono::seconds(m_every), [this] { return m_woken || m_stop.load(); });
        m_woken = false;
    }
}

}  // namespace lightbox::app
