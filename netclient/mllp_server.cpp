#include "mllp_server.h"

#include "host_addresses.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <future>
#include <map>

namespace lightbox::net {
namespace {

constexpr char kStartBlock = 0x0B;
constexpr char kEndBlock = 0x1C;  // followed by 0x0D, which is dropped as junk before the next 0x0B

struct KnownSender {
    Hl7Sender sender;
    std::vector<std::string> addresses;  // canonical
};

// One connection's reading state; owned by the socket's slots, so it lives as long as the socket.
struct Connection {
    QTcpSocket* socket = nullptr;
    std::string address;
    QByteArray buffer;    // after the 0x0B of the frame being read
    bool inFrame = false;
    qsizetype scanned = 0;  // bytes of buffer already searched for the end mark
    bool counted = true;    // still in the connection counts
};

bool matches(const std::string& wanted, const std::string& actual) { return wanted.empty() || wanted == actual; }

}  // namespace

class MllpServer::Worker : public QThread {
public:
    Worker(const MllpServer& owner, std::vector<KnownSender> senders) : m_owner(owner), m_senders(std::move(senders)) {}
    std::future<Status> listened() { return m_listened.get_future(); }
    int port() const { return m_port.load(); }

protected:
    void run() override;

private:
    void admit(QTcpSocket* socket);
    void read(const std::shared_ptr<Connection>& c);
    void answer(Connection& c, const QByteArray& raw);
    void release(Connection& c);
    void refuse(const RefusedHl7Caller& who) const
    {
        if (m_owner.m_onRefused) m_owner.m_onRefused(who);
    }
    bool knownAddress(const std::string& address) const;
    const KnownSender* senderFor(const std::string& address, const std::string& app, const std::string& facility) const;

    const MllpServer& m_owner;
    const std::vector<KnownSender> m_senders;
    std::promise<Status> m_listened;
    std::atomic<int> m_port{0};
    int m_open = 0;
    std::map<std::string, int> m_openByAddress;
};

void MllpServer::Worker::run()
{
    const MllpOptions& o = m_owner.m_options;
    QTcpServer server;
    if (!server.listen(QHostAddress(QString::fromStdString(o.listenAddress)), quint16(o.port))) {
        m_listened.set_value(makeError("listen-failed", "cannot listen on " + o.listenAddress + ":" + std::to_string(o.port) + ": " +
                                                            server.errorString().toStdString()));
        return;
    }
    m_port = server.serverPort();
    QObject::connect(&server, &QTcpServer::newConnection, [this, &server] {
        while (QTcpSocket* s = server.nextPendingConnection()) admit(s);
    });
    m_listened.set_value(Done{});
    exec();
    // The sockets are the server's children and go (aborted) with it, on this thread; quietly, so
    // that no slot of ours runs on a socket being destroyed.
    for (QTcpSocket* s : server.findChildren<QTcpSocket*>()) {
        QObject::disconnect(s, nullptr, nullptr, nullptr);
        s->abort();
    }
}

bool MllpServer::Worker::knownAddress(const std::string& address) const
{
    return std::any_of(m_senders.begin(), m_senders.end(), [&](const KnownSender& k) {
        return std::find(k.addresses.begin(), k.addresses.end(), address) != k.addresses.end();
    });
}

const KnownSender* MllpServer::Worker::senderFor(const std::string& address, const std::string& app, const std::string& facility) const
{
    for (const KnownSender& k : m_senders)
        if (std::find(k.addresses.begin(), k.addresses.end(), address) != k.addresses.end() && matches(k.sender.application, app) &&
            matches(k.sender.facility, facility))
            return &k;
    return nullptr;
}

// Who may stay is decided before anything is read: a stranger learns nothing, not even our ACK.
void MllpServer::Worker::admit(QTcpSocket* socket)
{
    const MllpOptions& o = m_owner.m_options;
    const std::string address = canonicalAddress(socket->peerAddress().toString().toStdString());
    const bool known = knownAddress(address);
    // Busy is not a refusal of who asked (the sender retries); only strangers are reported.
    if (!known || m_open >= o.maxConnections || m_openByAddress[address] >= o.maxConnectionsPerAddress) {
        if (!known) refuse({address, "", "", "address " + address + " is not a known HL7 sender"});
        socket->abort();
        socket->deleteLater();
        return;
    }
    ++m_open;
    ++m_openByAddress[address];
    auto c = std::make_shared<Connection>();
    c->socket = socket;
    c->address = address;
    auto* idle = new QTimer(socket);  // the socket owns it
    idle->setSingleShot(true);
    idle->setInterval(std::max(1, o.idleTimeoutSeconds) * 1000);
    QObject::connect(idle, &QTimer::timeout, socket, [socket] { socket->abort(); });
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, c, idle] {
        idle->start();
        read(c);
    });
    QObject::connect(socket, &QTcpSocket::disconnected, socket, [this, c] {
        release(*c);
        c->socket->deleteLater();
    });
    idle->start();
    if (socket->bytesAvailable() > 0) read(c);  // arrived before we connected to readyRead
}

void MllpServer::Worker::release(Connection& c)
{
    if (!c.counted) return;
    c.counted = false;
    --m_open;
    if (--m_openByAddress[c.address] <= 0) m_openByAddress.erase(c.address);
}

void MllpServer::Worker::read(const std::shared_ptr<Connection>& c)
{
    const std::size_t max = m_owner.m_options.maxMessageBytes;
    c->buffer += c->socket->readAll();
    while (c->socket->state() == QAbstractSocket::ConnectedState) {
        if (!c->inFrame) {
            const qsizetype start = c->buffer.indexOf(kStartBlock);
            if (start < 0) {  // bytes before a start mark are noise
                c->buffer.clear();
                return;
            }
            c->buffer.remove(0, start + 1);
            c->inFrame = true;
            c->scanned = 0;
        }
        const qsizetype end = c->buffer.indexOf(kEndBlock, c->scanned);
        const qsizetype restart = c->buffer.indexOf(kStartBlock, c->scanned);
        if (restart >= 0 && (end < 0 || restart < end)) {  // a new frame began: the open one was cut short
            c->buffer.remove(0, restart + 1);
            c->scanned = 0;
            continue;
        }
        if (std::size_t(end < 0 ? c->buffer.size() : end) > max) {
            c->socket->abort();  // a frame this large is a broken or hostile sender
            return;
        }
        if (end < 0) {
            c->scanned = c->buffer.size();
            return;
        }
        const QByteArray message = c->buffer.left(end);
        c->buffer.remove(0, end + 1);
        c->inFrame = false;
        answer(*c, message);
    }
}

void MllpServer::Worker::answer(Connection& c, const QByteArray& bytes)
{
    const MllpOptions& o = m_owner.m_options;
    const std::string raw = bytes.toStdString();
    std::string ack;
    Result<Hl7Message> parsed = Hl7Message::parse(raw, o.defaultCharset);
    if (!parsed) {
        ack = buildAckForUnparsed(raw, {AckCode::Reject, parsed.error().message}, o.identity);
    } else {
        const std::string app = parsed->value("MSH-3.1"), facility = parsed->value("MSH-4.1");
        const KnownSender* who = senderFor(c.address, app, facility);
        Hl7Reply reply;
        if (!who) {
            reply = {AckCode::Reject, "unknown sending application/facility"};
            refuse({c.address, app, facility, reply.text});
        } else if (!m_owner.m_handler) {
            reply = {AckCode::Reject, "no receiver for HL7 messages", 207};
        } else {
            reply = m_owner.m_handler(*parsed, who->sender.name);
        }
        ack = buildAck(*parsed, reply, o.identity);
    }
    QByteArray frame;
    frame.reserve(qsizetype(ack.size()) + 3);
    frame += kStartBlock;
    frame += QByteArray::fromStdString(ack);
    frame += kEndBlock;
    frame += '\r';
    c.socket->write(frame);
    c.socket->flush();
}

MllpServer::MllpServer(MllpOptions options, Hl7Handler handler) : m_options(std::move(options)), m_handler(std::move(handler)) {}

MllpServer::~MllpServer() { stop(); }

Status MllpServer::start()
{
    if (running()) return Done{};
    if (QHostAddress(QString::fromStdString(m_options.listenAddress)).isNull())
        return makeError("bad-address", "not an address to listen on: " + m_options.listenAddress);
    m_warnings.clear();
    std::vector<KnownSender> senders;
    for (const Hl7Sender& s : m_options.senders) {
        KnownSender k{s, {}};
        for (const std::string& h : s.hosts) {
            const std::vector<std::string> found = resolveHost(h);
            if (found.empty()) m_warnings.push_back("HL7 sender " + s.name + ": host " + h + " could not be resolved");
            for (const std::string& a : found)
                if (std::find(k.addresses.begin(), k.addresses.end(), a) == k.addresses.end()) k.addresses.push_back(a);
        }
        senders.push_back(std::move(k));
    }
    m_worker = std::make_unique<Worker>(*this, std::move(senders));
    std::future<Status> listened = m_worker->listened();
    m_worker->start();
    Status status = listened.get();
    if (!status) {
        m_worker->wait();
        m_worker.reset();
    }
    return status;
}

void MllpServer::stop()
{
    if (!m_worker) return;
    m_worker->quit();  // thread-safe; the loop ends after the event (or handler) it is in
    m_worker->wait();
    m_worker.reset();
}

bool MllpServer::running() const { return m_worker && m_worker->isRunning(); }

int MllpServer::port() const { return m_worker ? m_worker->port() : 0; }

}  // namespace lightbox::net
