#pragma once
// The HL7 v2 listener: MLLP (0x0B message 0x1C 0x0D over TCP) on a QTcpServer that lives on its own
// thread, so nothing a sender does can block the GUI. Only configured senders are served: a caller
// from an address no sender lists is closed before anything is read, and a message whose MSH-3/MSH-4
// match no sender at that address is refused (MSA|AR); both are reported for the audit trail. Each
// message of a known sender goes to the handler, whose decision becomes the ACK; messages on one
// connection are answered one at a time, in order. Duplicates (same MSH-10) are the handler's job:
// only it knows what was committed.
#include "hl7_ack.h"
#include "hl7_message.h"
#include "result.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lightbox::net {

// Who may send. Host names are resolved when the server starts.
struct Hl7Sender {
    std::string name;                // the settings entry (passed to the handler with each message)
    std::vector<std::string> hosts;  // names or addresses it sends from
    std::string application;         // MSH-3.1; empty = any
    std::string facility;            // MSH-4.1; empty = any
};

struct MllpOptions {
    int port = 2575;                         // 0: any free port (see MllpServer::port())
    std::string listenAddress = "127.0.0.1"; // an address; "0.0.0.0" or "::" for all
    std::size_t maxMessageBytes = 1 << 20;   // a bigger frame closes the connection
    int idleTimeoutSeconds = 60;             // a silent connection is closed after this
    int maxConnections = 8;
    int maxConnectionsPerAddress = 2;
    std::string defaultCharset;              // HL7 name for messages without MSH-18 ("" = ASCII)
    Hl7Identity identity;                    // our MSH-3/MSH-4
    std::vector<Hl7Sender> senders;          // nobody when empty
};

// A connection or message refused because of who sent it (not because we were busy).
struct RefusedHl7Caller {
    std::string address;
    std::string application, facility;  // MSH-3.1/MSH-4.1 when a message was read
    std::string reason;
};

// Decides about one message of a known sender; called on the server's thread, one message at a
// time. It must answer AA only once the message is safe (committed): the sender forgets it then.
using Hl7Handler = std::function<Hl7Reply(const Hl7Message& message, const std::string& senderName)>;

class MllpServer {
public:
    MllpServer(MllpOptions options, Hl7Handler handler);
    ~MllpServer();  // stops
    MllpServer(const MllpServer&) = delete;
    MllpServer& operator=(const MllpServer&) = delete;

    // Resolves the senders' hosts, opens the port on the server thread and starts serving; fails
    // when the address is not one or the port cannot be opened (e.g. in use).
    Status start();
    // Closes the port and every connection and joins the thread (a handler running finishes).
    void stop();
    bool running() const;
    int port() const;  // the port listened on (the chosen one when options.port was 0)
    // Senders whose hosts could not be resolved at start() (they cannot send until the next start).
    const std::vector<std::string>& warnings() const { return m_warnings; }
    // Called on the server thread for each refused caller or message. Set before start().
    void setOnRefusedCaller(std::function<void(const RefusedHl7Caller&)> f) { m_onRefused = std::move(f); }

    class Worker;

private:
    MllpOptions m_options;
    Hl7Handler m_handler;
    std::function<void(const RefusedHl7Caller&)> m_onRefused;
    std::vector<std::string> m_warnings;
    std::unique_ptr<Worker> m_worker;
};

}  // namespace lightbox::net
