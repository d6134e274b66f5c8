#pragma once
// Network arrivals into the cache: the storage listener, C-GET and WADO-RS write received objects
// into the cache's temporary files and hand them to its Receiver, through netclient's InstanceSink.
#include "instance_sink.h"
#include "receiver.h"

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace lightbox::app {

class ReceiverSink : public net::InstanceSink {
public:
    // `maxBytesPerSecond` > 0 paces what is written, over every file of this sink together.
    explicit ReceiverSink(storage::Receiver& receiver, qint64 maxBytesPerSecond = 0) : m_receiver(receiver), m_pace(maxBytesPerSecond) {}
    std::string incomingFolder() override { return m_receiver.incomingFolder(); }
    // In the cache's tmp/, encrypted as it is written in an encrypted cache.
    Result<std::unique_ptr<net::IncomingFile>> createFile() override
    {
        auto writer = m_receiver.openTemporary();
        if (!writer) return writer.error();
        return std::unique_ptr<net::IncomingFile>(std::make_unique<File>(std::move(*writer), m_pace.rate > 0 ? &m_pace : nullptr));
    }
    void received(const std::string& path, const std::string& origin) override { m_receiver.submit(path, {}, origin); }
    // Called (on the network thread, before the sender hears "stored") for each object pushed to
    // the listener that is now in the cache, with its origin ("store:PEER"). Set before use.
    using OnKept = std::function<void(const storage::Arrival&, const std::string& origin)>;
    void setOnKept(OnKept f) { m_onKept = std::move(f); }
    net::KeepOutcome keep(const std::string& path, const std::string& origin) override
    {
        auto promise = std::make_shared<std::promise<storage::Arrival>>();
        std::future<storage::Arrival> arrival = promise->get_future();
        m_receiver.submit(path, [promise](const storage::Arrival& a) { promise->set_value(a); }, origin);
        const storage::Arrival a = arrival.get();
        if (a.outcome != storage::Arrival::Outcome::Rejected) {
            if (m_onKept) m_onKept(a, origin);
            return {};
        }
        return {a.fatal ? net::KeepOutcome::Kind::OutOfResources : net::KeepOutcome::Kind::Refused, a.reason};
    }

private:
    // Bytes allowed so far grow with the time since the first write; a writer ahead of them waits.
    struct Pace {
        explicit Pace(qint64 r) : rate(r) {}
        const qint64 rate;
        std::mutex mutex;
        std::chrono::steady_clock::time_point start;
        qint64 written = 0;
        void take(std::size_t bytes)
        {
            std::chrono::steady_clock::time_point due;
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (written == 0) start = std::chrono::steady_clock::now();
                written += qint64(bytes);
                due = start + std::chrono::microseconds(written * 1000000 / rate);
            }
            std::this_thread::sleep_until(due);
        }
    };
    class File : public net::IncomingFile {
    public:
        File(std::unique_ptr<storage::TemporaryWriter> w, Pace* pace) : m_w(std::move(w)), m_pace(pace) {}
        Status write(const void* data, std::size_t size) override
        {
            if (m_pace) m_pace->take(size);
            return m_w->write(data, size);
        }
        Result<std::string> finish() override { return m_w->finish(); }

    private:
        std::unique_ptr<storage::TemporaryWriter> m_w;
        Pace* m_pace;
    };
    storage::Receiver& m_receiver;
    Pace m_pace;
    OnKept m_onKept;
};

}  // namespace lightbox::app
