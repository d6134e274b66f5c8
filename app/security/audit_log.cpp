#include "audit_log.h"

#include "digest.h"

#include <QByteArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::security {

namespace {

using Key = storage::Sha256;

std::string hex(const std::uint8_t* data, std::size_t n)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

std::optional<Key> keyFromHex(const std::string& text)
{
    if (text.size() != 64) return std::nullopt;
    Key k{};
    for (std::size_t i = 0; i < 32; ++i) {
        unsigned v = 0;
        if (std::sscanf(text.c_str() + 2 * i, "%2x", &v) != 1) return std::nullopt;
        k[i] = std::uint8_t(v);
    }
    return k;
}

Key evolve(const Key& k)
{
    std::string data = "lightbox-audit-evolve";
    data.append(reinterpret_cast<const char*>(k.data()), k.size());
    return storage::sha256(data.data(), data.size());
}

Key keyAt(const Key& first, std::int64_t seq)  // K(seq); K(1) is the verification key
{
    Key k = first;
    for (std::int64_t i = 1; i < seq; ++i) k = evolve(k);
    return k;
}

std::string seal(const Key& key, const std::string& hashHex)
{
    unsigned char mac[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(hashHex.data()), hashHex.size(), mac, &len);
    return hex(mac, len);
}

QJsonObject content(std::int64_t seq, const AuditEntry& e, const std::string& prev)
{
    return QJsonObject{{"seq", double(seq)},
                       {"time", QString::fromStdString(e.time)},
                       {"user", QString::fromStdString(e.user)},
                       {"event", QString::fromStdString(e.event)},
                       {"outcome", QString::fromStdString(e.outcome)},
                       {"patientId", QString::fromStdString(e.patientId)},
                       {"patientName", QString::fromStdString(e.patientName)},
                       {"studyUid", QString::fromStdString(e.studyUid)},
                       {"xml", QString::fromStdString(e.xml)},
                       {"prev", QString::fromStdString(prev)}};
}

// The record's hash: SHA-256 of its content as compact JSON (keys sorted by Qt: one spelling).
std::string contentHash(const QJsonObject& o)
{
    const QByteArray bytes = QJsonDocument(o).toJson(QJsonDocument::Compact);
    const Key h = storage::sha256(bytes.constData(), std::size_t(bytes.size()));
    return hex(h.data(), h.size());
}

std::optional<AuditRecord> parseLine(const QByteArray& line)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) return std::nullopt;
    const QJsonObject o = doc.object();
    AuditRecord r;
    r.seq = std::int64_t(o.value("seq").toDouble());
    auto s = [&](const char* k) { return o.value(k).toString().toStdString(); };
    r.entry = AuditEntry{s("time"), s("user"), s("event"), s("outcome"), s("patientId"), s("patientName"), s("studyUid"), s("xml")};
    r.prev = s("prev");
    r.hash = s("hash");
    r.seal = s("seal");
    if (r.seq <= 0) return std::nullopt;
    return r;
}

struct SealState {
    std::int64_t next = 1;
    Key key{};
    std::string last = std::string(64, '0');
};

std::optional<SealState> readState(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    auto key = keyFromHex(o.value("key").toString().toStdString());
    if (!key || o.value("next").toDouble() < 1) return std::nullopt;
    return SealState{std::int64_t(o.value("next").toDouble()), *key, o.value("last").toString().toStdString()};
}

Status writeFileDurably(const std::string& path, const std::string& data, mode_t mode)
{
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return makeError("audit-write", "cannot write " + tmp + ": " + std::strerror(errno));
    const bool ok = ::write(fd, data.data(), data.size()) == ssize_t(data.size()) && ::fsync(fd) == 0;
    const bool closed = ::close(fd) == 0;
    if (!ok || !closed || ::rename(tmp.c_str(), path.c_str()) != 0) return makeError("audit-write", "cannot write " + path + ": " + std::strerror(errno));
    const int dir = ::open(std::filesystem::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return Done{};
}

Status writeState(const std::string& path, const SealState& s)
{
    const QJsonObject o{{"next", double(s.next)}, {"key", QString::fromStdString(hex(s.key.data(), s.key.size()))}, {"last", QString::fromStdString(s.last)}};
    return writeFileDurably(path, QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString(), 0600);
}

// Holds an exclusive flock on a file while alive.
class FileLock {
public:
    explicit FileLock(const std::string& path) : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
    {
        if (m_fd >= 0 && ::flock(m_fd, LOCK_EX) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~FileLock()
    {
        if (m_fd >= 0) ::close(m_fd);  // releases the lock
    }
    bool ok() const { return m_fd >= 0; }

private:
    int m_fd;
};

// The complete lines at the end of the log (up to `maxBytes`); a torn last line (a write cut by a
// crash) is cut off the file.
std::vector<QByteArray> tailLines(const std::string& path, qint64 maxBytes)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadWrite | QIODevice::ExistingOnly)) return {};
    const qint64 size = f.size();
    f.seek(std::max<qint64>(0, size - maxBytes));
    QByteArray tail = f.readAll();
    const qsizetype lastNewline = tail.lastIndexOf('\n');
    if (lastNewline + 1 < tail.size()) {  // torn: never acknowledged, never sealed into the state
        f.resize(size - (tail.size() - (lastNewline + 1)));
        tail.truncate(lastNewline + 1);
    }
    QList<QByteArray> lines = tail.split('\n');
    if (size > maxBytes && !lines.isEmpty()) lines.removeFirst();  // probably cut: not needed
    std::vector<QByteArray> out;
    for (const QByteArray& l : lines)
        if (!l.isEmpty()) out.push_back(l);
    return out;
}

}  // namespace

AuditLog::AuditLog(std::string securityDir) : m_dir(std::move(securityDir)) {}

std::optional<std::string> AuditLog::verificationKey() const
{
    QFile f(QString::fromStdString(m_dir + "/audit-verification.key"));
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    return f.readAll().trimmed().toStdString();
}

Status AuditLog::forgetVerificationKey() const
{
    const std::string path = m_dir + "/audit-verification.key";
    if (::unlink(path.c_str()) != 0) return makeError("audit-key", "the verification key is not on this machine (already taken)");
    return Done{};
}

Status AuditLog::append(const std::vector<AuditEntry>& entries)
{
    if (entries.empty()) return Done{};
    std::error_code ec;
    std::filesystem::create_directories(m_dir, ec);
    ::chmod(m_dir.c_str(), 0700);
    FileLock lock(m_dir + "/audit.lock");
    if (!lock.ok()) return makeError("audit-lock", "cannot lock the audit trail in " + m_dir);
    const std::string statePath = m_dir + "/audit.seal", log = logPath();
    std::optional<SealState> state = readState(statePath);
    if (!state) {
        if (QFile(QString::fromStdString(log)).size() > 0)
            return makeError("audit-seal", "the audit trail's seal (" + statePath + ") is missing or damaged: nothing more can be recorded; run 'lightbox audit verify'");
        state = SealState{};
        if (RAND_bytes(state->key.data(), int(state->key.size())) != 1) return makeError("audit-key", "no random key could be made");
        const std::string k = hex(state->key.data(), state->key.size()) + "\n";
        if (Status s = writeFileDurably(m_dir + "/audit-verification.key", k, 0600); !s) return s;
    }
    // Records written by a process that died before it updated the seal: take them in.
    for (const QByteArray& line : tailLines(log, 4 << 20)) {
        const auto r = parseLine(line);
        if (!r || r->seq < state->next) continue;
        if (r->seq != state->next || r->prev != state->last || seal(state->key, r->hash) != r->seal)
            return makeError("audit-seal", "the audit trail's last records do not match its seal: run 'lightbox audit verify'");
        state->key = evolve(state->key);
        state->last = r->hash;
        ++state->next;
    }
    std::string lines;
    for (const AuditEntry& e : entries) {
        QJsonObject o = content(state->next, e, state->last);
        const std::string h = contentHash(o);
        o.insert("hash", QString::fromStdString(h));
        o.insert("seal", QString::fromStdString(seal(state->key, h)));
        lines += QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString() + "\n";
        state->key = evolve(state->key);
        state->last = h;
        ++state->next;
    }
    const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return makeError("audit-write", "cannot open the audit trail " + log + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // whatever made it: patient data, the user only
    const bool written = ::write(fd, lines.data(), lines.size()) == ssize_t(lines.size()) && ::fdatasync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!written) return makeError("audit-write", "cannot write the audit trail " + log + ": " + std::strerror(err));
    return writeState(statePath, *state);
}

Result<std::vector<AuditRecord>> AuditLog::read() const
{
    QFile f(QString::fromStdString(logPath()));
    if (!f.exists()) return std::vector<AuditRecord>{};
    if (!f.open(QIODevice::ReadOnly)) return makeError("audit-read", "cannot read " + logPath());
    std::vector<AuditRecord> out;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (auto r = parseLine(line)) out.push_back(std::move(*r));
    }
    return out;
}

Result<std::vector<AuditFinding>> AuditLog::verify(const std::string& verificationKeyHex) const
{
    const auto first = keyFromHex(verificationKeyHex);
    if (!first) return makeError("audit-key", "the verification key must be 64 hexadecimal digits");
    QFile f(QString::fromStdString(logPath()));
    std::vector<AuditFinding> findings;
    std::vector<AuditRecord> records;
    if (f.open(QIODevice::ReadOnly)) {
        int lineNo = 0;
        while (!f.atEnd()) {
            const QByteArray line = f.readLine().trimmed();
            ++lineNo;
            if (line.isEmpty()) continue;
            if (auto r = parseLine(line)) records.push_back(std::move(*r));
            else findings.push_back({0, "line " + std::to_string(lineNo) + " is not a record: it was damaged or inserted"});
        }
    }
    // Each record on its own: content against its hash, hash against the seal of its key.
    std::int64_t maxSeq = 0;
    std::map<std::int64_t, std::string> hashBySeq;
    std::set<std::int64_t> changed;
    Key key = *first;
    std::int64_t keySeq = 1;
    std::vector<AuditRecord> bySeq = records;
    std::sort(bySeq.begin(), bySeq.end(), [](const AuditRecord& a, const AuditRecord& b) { return a.seq < b.seq; });
    for (const AuditRecord& r : bySeq) {
        while (keySeq < r.seq) {
            key = evolve(key);
            ++keySeq;
        }
        const bool intact = contentHash(content(r.seq, r.entry, r.prev)) == r.hash && r.seal.size() == 64 &&
                            CRYPTO_memcmp(seal(key, r.hash).data(), r.seal.data(), 64) == 0;
        if (!intact && changed.insert(r.seq).second) findings.push_back({r.seq, "record " + std::to_string(r.seq) + " was changed"});
        if (hashBySeq.count(r.seq)) findings.push_back({r.seq, "record " + std::to_string(r.seq) + " appears twice"});
        hashBySeq[r.seq] = r.hash;
        maxSeq = std::max(maxSeq, r.seq);
    }
    // The chain: no number missing, each after the one before, each naming its predecessor's hash.
    for (std::int64_t s = 1; s <= maxSeq; ++s)
        if (!hashBySeq.count(s)) findings.push_back({s, "record " + std::to_string(s) + " was removed"});
    for (std::size_t i = 1; i < records.size(); ++i)
        if (records[i].seq < records[i - 1].seq)
            findings.push_back({records[i].seq, "record " + std::to_string(records[i].seq) + " is out of order (it follows record " + std::to_string(records[i - 1].seq) + ")"});
    for (const AuditRecord& r : records) {
        const auto before = hashBySeq.find(r.seq - 1);
        const std::string expected = r.seq == 1 ? std::string(64, '0') : before != hashBySeq.end() ? before->second : r.prev;
        if (r.prev != expected && !changed.count(r.seq) && !changed.count(r.seq - 1))
            findings.push_back({r.seq, "record " + std::to_string(r.seq) + " does not follow record " + std::to_string(r.seq - 1)});
    }
    // The end: the seal knows how many records were written.
    const auto state = readState(m_dir + "/audit.seal");
    if (!state) {
        if (!records.empty()) findings.push_back({0, "the seal (audit.seal) is missing or damaged"});
    } else if (keyAt(*first, state->next) != state->key) {
        findings.push_back({0, "the seal (audit.seal) was replaced: it does not derive from the verification key"});
    } else if (state->next - 1 > maxSeq) {
        findings.push_back({maxSeq + 1, "records " + std::to_string(maxSeq + 1) + " to " + std::to_string(state->next - 1) + " were removed from the end"});
    }
    return findings;
}

}  // namespace lightbox::security
