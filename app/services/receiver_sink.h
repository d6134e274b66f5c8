#pragma once
// Network arrivals into the cache: the storage listener and C-GET hand received files to the
// cache's Receiver through netclient's InstanceSink interface.
#include "instance_sink.h"
#include "receiver.h"

#include <future>

namespace lightbox::app {

class ReceiverSink : public net::InstanceSink {
public:
    explicit ReceiverSink(storage::Receiver& receiver) : m_receiver(receiver) {}
    std::string incomingFolder() override { return m_receiver.incomingFolder(); }
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
    storage::Receiver& m_receiver;
};

}  // namespace lightbox::app
