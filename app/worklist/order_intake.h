#pragma once
// Orders arriving over HL7: each message of a known sender (see netclient/mllp_server.h) becomes
// an order, a patient update or a merge in the work queue, committed before the sender hears AA:
// what was acknowledged survives a crash, and what was not is sent again by the sender. A message
// already processed (same sender and MSH-10) is acknowledged again, not processed twice.
// Runs on the HL7 listener's thread (its own connection to the queue).
#include "hl7_ack.h"
#include "hl7_message.h"
#include "work_queue.h"

#include <QString>

#include <functional>
#include <memory>

namespace lightbox::app {

class OrderIntake {
public:
    explicit OrderIntake(QString cacheDir) : m_cacheDir(std::move(cacheDir)) {}
    net::Hl7Reply handle(const net::Hl7Message& message, const std::string& sender);
    // Told (on the listener's thread) after each order is committed: one line for people.
    void setOnAccepted(std::function<void(const QString&)> f) { m_onAccepted = std::move(f); }

private:
    QString m_cacheDir;
    std::unique_ptr<WorkQueue> m_queue;
    std::function<void(const QString&)> m_onAccepted;
};

}  // namespace lightbox::app
