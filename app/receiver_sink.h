#pragma once
// Network arrivals into the cache: the storage listener and C-GET hand received files to the
// cache's Receiver through netclient's InstanceSink interface.
#include "instance_sink.h"
#include "receiver.h"

namespace lightbox::app {

class ReceiverSink : public net::InstanceSink {
public:
    explicit ReceiverSink(storage::Receiver& receiver) : m_receiver(receiver) {}
    std::string incomingFolder() override { return m_receiver.incomingFolder(); }
    void received(const std::string& path) override { m_receiver.submit(path); }

private:
    storage::Receiver& m_receiver;
};

}  // namespace lightbox::app
