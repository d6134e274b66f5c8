#pragma once
// Network arrivals into the cache: the storage listener, C-GET and WADO-RS write received objects
// into the cache's temporary files and hand them to its Receiver, through netclient's InstanceSink.
#include "instance_sink.h"
#include "receiver.h"

#include <future>

namespace lightbox::app {

class ReceiverSink : public net::InstanceSink {
public:
    explicit ReceiverSink(storage::Receiver& receiver) : m_receiver(receiver) {}
    std::string incomingFolder() override { return m_receiver.incomingFolder(); }
    // In the cache's tmp/, encrypted as it is written in an encrypted cache.
    Result<std::unique_ptr<net::IncomingFile>> createFile() override
    {
        auto writer = m_receiver.openTemporary();
        if (!writer) return writer.error();
        return std::unique_ptr<net::IncomingFile>(std::make_unique<File>(std::move(*writer)));
    }
    void received(const std::string& path, const std::string& origin) override { m_receiver.submit(path, {}, origin); }
    net::KeepOutcome keep(const std::string& path, const std::string& origin) override
    {
        auto promise = std::make_shared<std::promise<storage::Arrival>>();
        std::future<storage::Arrival> arrival = promise->get_future();
        m_receiver.submit(path, [promise](const storage::Arrival& a) { promise->set_value(a); }, origin);
        const storage::Arrival a = arrival.get();
        if (a.outcome != storage::Arrival::Outcome::Rejected) return {};
        return {a.fatal ? net::KeepOutcome::Kind::OutOfResources : net::KeepOutcome::Kind::Refused, a.reason};
    }

private:
    class File : public net::IncomingFile {
    public:
        explicit File(std::unique_ptr<storage::TemporaryWriter> w) : m_w(std::move(w)) {}
        Status write(const void* data, std::size_t size) override { return m_w->write(data, size); }
        Result<std::string> finish() override { return m_w->finish(); }

    private:
        std::unique_ptr<storage::TemporaryWriter> m_w;
    };
    storage::Receiver& m_receiver;
};

}  // namespace lightbox::app
