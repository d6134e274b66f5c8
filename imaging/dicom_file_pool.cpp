#include "dicom_file_pool.h"

namespace lightbox {

Result<std::unique_ptr<DicomFile>> DicomFilePool::acquire(const std::string& path)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto it = m_idle.find(path);
        if (it != m_idle.end()) {
            auto file = std::move(it->second);
            m_lastUse.erase(file.get());
            m_idle.erase(it);
            return file;
        }
    }
    return DicomFile::open(path);  // outside the lock: parsing may take a while
}

void DicomFilePool::release(std::unique_ptr<DicomFile> file)
{
    if (!file) return;
    std::lock_guard<std::mutex> lock(m_mutex);
    m_lastUse[file.get()] = ++m_clock;
    m_idle.emplace(file->path(), std::move(file));
    while (m_idle.size() > m_maxIdle) {
        auto victim = oldest();
        m_lastUse.erase(victim->second.get());
        m_idle.erase(victim);
    }
}

size_t DicomFilePool::idleCount() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_idle.size();
}

std::multimap<std::string, std::unique_ptr<DicomFile>>::iterator DicomFilePool::oldest()
{
    auto best = m_idle.begin();
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it)
        if (m_lastUse[it->second.get()] < m_lastUse[best->second.get()]) best = it;
    return best;
}

}  // namespace lightbox
