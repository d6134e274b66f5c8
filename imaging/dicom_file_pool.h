#pragma once
// Opened DicomFiles kept for reuse by decoding threads: a multi-frame file with thousands of
// per-frame functional groups is parsed once, not once per frame. A file is used by one thread at
// a time (DCMTK datasets are not thread-safe): acquire() hands out an idle one or opens another.
#include "dicom_file.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lightbox {

class DicomFilePool {
public:
    explicit DicomFilePool(size_t maxIdle = 16) : m_maxIdle(maxIdle) {}

    Result<std::unique_ptr<DicomFile>> acquire(const std::string& path);
    void release(std::unique_ptr<DicomFile> file);
    size_t idleCount() const;

private:
    mutable std::mutex m_mutex;
    std::multimap<std::string, std::unique_ptr<DicomFile>> m_idle;
    std::multimap<std::string, std::unique_ptr<DicomFile>>::iterator oldest();
    size_t m_maxIdle;
    unsigned long long m_clock = 0;
    std::map<const DicomFile*, unsigned long long> m_lastUse;
};

}  // namespace lightbox
