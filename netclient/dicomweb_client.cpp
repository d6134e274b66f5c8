#include "dicomweb_client.h"

#include "sealed_file.h"

#include "multipart_reader.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <curl/curl.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

namespace lightbox::net {

namespace {

void initCurl()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string urlFor(const WebServer& s, const std::string& path)
{
    std::string base = s.baseUrl;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + path;
}

std::string escape(CURL* c, const std::string& v)
{
    char* e = curl_easy_escape(c, v.c_str(), int(v.size()));
    std::string out = e ? e : "";
    curl_free(e);
    return out;
}

struct Transfer {
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(curl_off_t down, curl_off_t up)> progress;
};

int onProgress(void* p, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow)
{
    auto* t = static_cast<Transfer*>(p);
    if (t->progress) t->progress(dlnow, ulnow);
    return t->cancel && t->cancel->load() ? 1 : 0;
}

struct Easy {
    CURL* c = nullptr;
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {0};
    Transfer transfer;
    Easy() : c(curl_easy_init()) {}
    ~Easy()
    {
        if (headers) curl_slist_free_all(headers);
        if (c) curl_easy_cleanup(c);
    }
    void header(const std::string& h) { headers = curl_slist_append(headers, h.c_str()); }
};

void configure(Easy& e, const WebServer& s, const std::string& url, const std::atomic<bool>* cancel)
{
    curl_easy_setopt(e.c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e.c, CURLOPT_ERRORBUFFER, e.error);
    curl_easy_setopt(e.c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e.c, CURLOPT_CONNECTTIMEOUT, long(s.timeoutSeconds));
    // Silence for the timeout (under 1 byte/s) ends the transfer; a slow but live one goes on.
    curl_easy_setopt(e.c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e.c, CURLOPT_LOW_SPEED_TIME, long(s.timeoutSeconds));
    curl_easy_setopt(e.c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e.c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e.c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e.c, CURLOPT_SSL_VERIFYPEER, s.verifyPeer ? 1L : 0L);
    curl_easy_setopt(e.c, CURLOPT_SSL_VERIFYHOST, s.verifyPeer ? 2L : 0L);
    if (!s.caFile.empty()) curl_easy_setopt(e.c, CURLOPT_CAINFO, s.caFile.c_str());
    if (!s.token.empty()) {
        e.header("Authorization: Bearer " + s.token);
    } else if (!s.user.empty()) {
        curl_easy_setopt(e.c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(e.c, CURLOPT_USERNAME, s.user.c_str());
        curl_easy_setopt(e.c, CURLOPT_PASSWORD, s.password.c_str());
    }
    e.transfer.cancel = cancel;
    curl_easy_setopt(e.c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e.c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(e.c, CURLOPT_XFERINFODATA, &e.transfer);
}

// A failed transfer or HTTP status as one line.
Error failure(Easy& e, CURLcode rc, const std::string& url, const std::string& body = {})
{
    if (rc == CURLE_ABORTED_BY_CALLBACK) return makeError("cancelled", "cancelled");
    if (rc == CURLE_OPERATION_TIMEDOUT) return makeError("timeout", url + ": no answer in time");
    if (rc == CURLE_COULDNT_CONNECT) return makeError("connect", url + ": nothing answers (" + std::string(e.error) + ")");
    if (rc == CURLE_COULDNT_RESOLVE_HOST) return makeError("connect", url + ": unknown host");
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR)
        return makeError("tls", url + ": the server's certificate cannot be trusted (" + std::string(e.error) + ")");
    if (rc != CURLE_OK) return makeError("http", url + ": " + (e.error[0] ? std::string(e.error) : curl_easy_strerror(rc)));
    long status = 0;
    curl_easy_getinfo(e.c, CURLINFO_RESPONSE_CODE, &status);
    std::string detail = body.substr(0, 200);
    for (char& ch : detail)
        if (ch == '\n' || ch == '\r') ch = ' ';
    if (status == 401 || status == 403)
        return makeError("auth", url + ": HTTP " + std::to_string(status) + " (the user name, password or token is not accepted)");
    if (status == 404) return makeError("not-found", url + ": HTTP 404 (not on this server)");
    return makeError("http", url + ": HTTP " + std::to_string(status) + (detail.empty() ? "" : " " + detail));
}

size_t toString(char* p, size_t size, size_t n, void* out)
{
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
}

std::string valueText(const QJsonObject& element)
{
    const QString vr = element["vr"].toString();
    const QJsonArray values = element["Value"].toArray();
    QStringList parts;
    for (const QJsonValue& v : values) {
        if (vr == "PN" && v.isObject()) {
            const QJsonObject pn = v.toObject();
            QStringList groups{pn["Alphabetic"].toString(), pn["Ideographic"].toString(), pn["Phonetic"].toString()};
            while (!groups.isEmpty() && groups.back().isEmpty()) groups.removeLast();
            parts << groups.join('=');
        } else if (v.isDouble()) {
            parts << QString::number(v.toDouble(), 'g', 17);
        } else if (v.isString()) {
            parts << v.toString();
        }
    }
    return parts.join('\\').toStdString();
}

Attributes attributesOf(const QJsonObject& o)
{
    Attributes a;
    for (auto it = o.begin(); it != o.end(); ++it) {
        bool ok = false;
        const Tag t = Tag(it.key().toUInt(&ok, 16));
        if (!ok || !it.value().isObject() || it.value().toObject()["vr"].toString() == "SQ") continue;
        a[t] = valueText(it.value().toObject());
    }
    return a;
}

}  // namespace

Attributes attributesFromJson(const std::string& json)
{
    return attributesOf(QJsonDocument::fromJson(QByteArray::fromStdString(json)).object());
}

namespace {

struct JsonAnswer {
    std::string body;
    long status = 0;
};

// GET of DICOM JSON (QIDO, metadata): the body and status, or why the request failed.
Result<JsonAnswer> getJson(const WebServer& server, const std::string& path, const QueryParams& params, const std::atomic<bool>* cancel)
{
    initCurl();
    Easy e;
    if (!e.c) return makeError("http", "cannot initialise libcurl");
    std::string url = urlFor(server, path);
    for (std::size_t i = 0; i < params.size(); ++i)
        url += (i ? "&" : "?") + escape(e.c, params[i].first) + "=" + escape(e.c, params[i].second);
    configure(e, server, url, cancel);
    e.header("Accept: application/dicom+json");
    curl_easy_setopt(e.c, CURLOPT_HTTPHEADER, e.headers);
    JsonAnswer a;
    curl_easy_setopt(e.c, CURLOPT_WRITEFUNCTION, toString);
    curl_easy_setopt(e.c, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(e.c, CURLOPT_ACCEPT_ENCODING, "");
    const CURLcode rc = curl_easy_perform(e.c);
    curl_easy_getinfo(e.c, CURLINFO_RESPONSE_CODE, &a.status);
    if (rc != CURLE_OK || (a.status != 200 && a.status != 204)) return failure(e, rc, url, a.body);
    return a;
}

}  // namespace

Result<std::vector<Attributes>> qido(const WebServer& server, const std::string& path, const QueryParams& params, const std::atomic<bool>* cancel)
{
    auto answer = getJson(server, path, params, cancel);
    if (!answer) return answer.error();
    const std::string& body = answer->body;
    const long status = answer->status;
    const std::string url = urlFor(server, path);
    std::vector<Attributes> out;
    if (status == 204 || body.empty()) return out;
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(body), &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isArray())
        return makeError("malformed", url + ": the answer is not a DICOM JSON array (" + perr.errorString().toStdString() + ")");
    for (const QJsonValue& v : doc.array())
        if (v.isObject()) out.push_back(attributesOf(v.toObject()));
    return out;
}

namespace {

struct WadoState {
    std::unique_ptr<MultipartReader> reader;
    std::string contentType;
    std::string error;
    WadoOutcome outcome;
    const std::function<void(const WadoProgress&)>* progress = nullptr;
    InstanceSink* sink = nullptr;
    std::unique_ptr<IncomingFile> single;  // a server answering application/dicom without multipart
    std::string otherBody;  // the start of an answer that is not DICOM (an error page)
    bool other = false;
};

size_t onHeader(char* p, size_t size, size_t n, void* data)
{
    auto* s = static_cast<WadoState*>(data);
    std::string line(p, size * n);
    std::string lower = line;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("content-type:", 0) == 0) {
        s->contentType = line.substr(13);
        while (!s->contentType.empty() && (s->contentType.back() == '\r' || s->contentType.back() == '\n')) s->contentType.pop_back();
    }
    return size * n;
}

size_t onBody(char* p, size_t size, size_t n, void* data)
{
    auto* s = static_cast<WadoState*>(data);
    const size_t bytes = size * n;
    s->outcome.bytes += bytes;
    if (!s->reader && !s->single) {
        const std::string boundary = multipartBoundary(s->contentType);
        if (!boundary.empty()) {
            s->reader = std::make_unique<MultipartReader>(
                boundary,
                [s](const MultipartReader::Headers& headers) -> Result<std::unique_ptr<IncomingFile>> {
                    auto ct = headers.find("content-type");
                    if (ct != headers.end() && ct->second.find("application/dicom") == std::string::npos)
                        return std::unique_ptr<IncomingFile>();  // not an instance (e.g. bulk data)
                    return s->sink->createFile();
                },
                [s](const std::string& path, const MultipartReader::Headers&) {
                    s->sink->received(path, {});
                    ++s->outcome.instances;
                    if (*s->progress) (*s->progress)({s->outcome.bytes, s->outcome.instances});
                });
        } else if (s->contentType.find("application/dicom") != std::string::npos) {
            auto file = s->sink->createFile();
            if (!file) {
                s->error = file.error().message;
                return 0;
            }
            s->single = std::move(*file);
        } else {
            s->other = true;  // kept to say what it is once the status is known
        }
    }
    if (s->other) {
        if (s->otherBody.size() < 1024) s->otherBody.append(p, std::min<std::size_t>(bytes, 1024 - s->otherBody.size()));
        return bytes;
    }
    if (s->single) {
        if (Status w = s->single->write(p, bytes); !w) {
            s->error = "cannot write a received instance: " + w.error().message;
            return 0;
        }
        return bytes;
    }
    if (!s->reader->feed(p, bytes)) {
        s->error = s->reader->error();
        return 0;
    }
    return bytes;
}

}  // namespace

Result<WadoOutcome> wadoRetrieve(const WebServer& server, const std::string& path, InstanceSink& sink,
                                 const std::function<void(const WadoProgress&)>& progress, const std::atomic<bool>* cancel)
{
    initCurl();
    Easy e;
    if (!e.c) return makeError("http", "cannot initialise libcurl");
    const std::string url = urlFor(server, path);
    configure(e, server, url, cancel);
    // The archive's own transfer syntax: nothing transcoded on the way.
    e.header("Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=*");
    curl_easy_setopt(e.c, CURLOPT_HTTPHEADER, e.headers);
    WadoState state;
    state.progress = &progress;
    state.sink = &sink;
    curl_easy_setopt(e.c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(e.c, CURLOPT_HEADERDATA, &state);
    curl_easy_setopt(e.c, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(e.c, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(e.c, CURLOPT_BUFFERSIZE, 512L * 1024L);
    const CURLcode rc = curl_easy_perform(e.c);
    long status = 0;
    curl_easy_getinfo(e.c, CURLINFO_RESPONSE_CODE, &status);
    if (state.single) {
        std::unique_ptr<IncomingFile> single = std::move(state.single);  // removed unless finished
        if (rc == CURLE_OK && status == 200) {
            auto done = single->finish();
            if (!done) return makeError(done.error().code, url + ": cannot write a received instance: " + done.error().message);
            sink.received(*done, {});
            ++state.outcome.instances;
        }
    }
    if (!state.error.empty()) return makeError("malformed", url + ": " + state.error);
    if (state.other && rc == CURLE_OK && status == 200)
        return makeError("malformed", url + ": the server answered " + (state.contentType.empty() ? std::string("without a content type") : state.contentType) +
                                          ", not multipart/related DICOM");
    if (state.other && rc == CURLE_OK) return failure(e, rc, url, state.otherBody);  // an error status, with what the server said
    if (rc != CURLE_OK || status != 200) {
        auto err = failure(e, rc, url);
        if (err.code == "cancelled") {
            state.outcome.cancelled = true;
            return state.outcome;
        }
        if (state.outcome.instances > 0) err.message += " after " + std::to_string(state.outcome.instances) + " instances";
        return err;
    }
    if (state.reader && !state.reader->finished())
        return makeError("malformed", url + ": the multipart answer ended early after " + std::to_string(state.outcome.instances) + " instances");
    return state.outcome;
}

Result<std::string> wadoMetadata(const WebServer& server, const std::string& path, const std::atomic<bool>* cancel)
{
    auto answer = getJson(server, path + "/metadata", {}, cancel);
    if (!answer) return answer.error();
    return answer->body;
}

namespace {

// The STOW-RS body, streamed from the files: boundary, part header, file bytes, ...
struct StowBody {
    std::vector<std::string> files;
    std::string boundary;
    std::size_t index = 0;
    std::string pending;  // delimiter or header bytes to send before the next file's bytes
    std::FILE* current = nullptr;
    std::vector<char> sealedPlain;  // the plaintext `current` reads, for an encrypted file
    bool closed = false;
    std::string error;

    bool openNext()
    {
        if (index >= files.size()) {
            if (!closed) {
                pending += "\r\n--" + boundary + "--\r\n";
                closed = true;
            }
            return false;
        }
        if (isSealedFile(files[index])) {
            // Encrypted in the cache: streamed from its plaintext in memory.
            auto plain = unsealFile(files[index]);
            if (!plain) {
                error = plain.error().message;
                return false;
            }
            sealedPlain = std::move(*plain);
            current = sealedPlain.empty() ? nullptr : fmemopen(sealedPlain.data(), sealedPlain.size(), "rb");
        } else {
            current = std::fopen(files[index].c_str(), "rb");
        }
        if (!current) {
            error = "cannot read " + files[index];
            return false;
        }
        pending += (index ? "\r\n" : "") + std::string("--") + boundary + "\r\nContent-Type: application/dicom\r\n\r\n";
        ++index;
        return true;
    }
};

size_t readBody(char* out, size_t size, size_t n, void* data)
{
    auto* b = static_cast<StowBody*>(data);
    const size_t room = size * n;
    size_t written = 0;
    while (written < room) {
        if (!b->pending.empty()) {
            const size_t k = std::min(room - written, b->pending.size());
            std::memcpy(out + written, b->pending.data(), k);
            b->pending.erase(0, k);
            written += k;
            continue;
        }
        if (b->current) {
            const size_t k = std::fread(out + written, 1, room - written, b->current);
            written += k;
            if (k == 0) {
                std::fclose(b->current);
                b->current = nullptr;
            }
            continue;
        }
        if (!b->openNext()) {
            if (!b->error.empty()) return CURL_READFUNC_ABORT;
            if (b->pending.empty()) break;
        }
    }
    return written;
}

std::uint64_t totalSize(const std::vector<std::string>& files, const std::string& boundary)
{
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        total += plainSizeOf(files[i]);
        total += (i ? 2 : 0) + 2 + boundary.size() + std::string("\r\nContent-Type: application/dicom\r\n\r\n").size();
    }
    return total + 2 + 2 + boundary.size() + 4;
}

}  // namespace

Result<StowOutcome> stow(const WebServer& server, const std::vector<std::string>& files,
                         const std::function<void(std::uint64_t, std::uint64_t)>& progress, const std::atomic<bool>* cancel)
{
    initCurl();
    Easy e;
    if (!e.c) return makeError("http", "cannot initialise libcurl");
    const std::string url = urlFor(server, "studies");
    configure(e, server, url, cancel);
    StowBody body;
    body.files = files;
    body.boundary = "lightbox-" + std::to_string(std::hash<std::string>{}(url + std::to_string(files.size()))) + "-stow";
    const std::uint64_t total = totalSize(files, body.boundary);
    e.header("Content-Type: multipart/related; type=\"application/dicom\"; boundary=" + body.boundary);
    e.header("Accept: application/dicom+json");
    e.header("Expect:");
    curl_easy_setopt(e.c, CURLOPT_HTTPHEADER, e.headers);
    curl_easy_setopt(e.c, CURLOPT_POST, 1L);
    curl_easy_setopt(e.c, CURLOPT_READFUNCTION, readBody);
    curl_easy_setopt(e.c, CURLOPT_READDATA, &body);
    curl_easy_setopt(e.c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(total));
    if (progress) e.transfer.progress = [&](curl_off_t, curl_off_t up) { progress(std::uint64_t(up), total); };
    std::string answer;
    curl_easy_setopt(e.c, CURLOPT_WRITEFUNCTION, toString);
    curl_easy_setopt(e.c, CURLOPT_WRITEDATA, &answer);
    const CURLcode rc = curl_easy_perform(e.c);
    if (body.current) std::fclose(body.current);
    if (!body.error.empty()) return makeError("read", body.error);
    long status = 0;
    curl_easy_getinfo(e.c, CURLINFO_RESPONSE_CODE, &status);
    StowOutcome out;
    out.httpStatus = int(status);
    if (rc != CURLE_OK || (status != 200 && status != 202 && status != 409)) return failure(e, rc, url, answer);
    // The response lists what was stored (ReferencedSOPSequence) and what failed (FailedSOPSequence).
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(answer)).object();
    out.stored = int(o["00081199"].toObject()["Value"].toArray().size());
    for (const QJsonValue& v : o["00081198"].toObject()["Value"].toArray()) {
        const QJsonObject item = v.toObject();
        const std::string sop = valueText(item["00081155"].toObject());
        const std::string reason = valueText(item["00081197"].toObject());
        out.failed.push_back({sop, reason.empty() ? "refused" : "failure reason " + reason});
    }
    if (o.isEmpty() && status == 200) out.stored = int(files.size());  // servers that answer without a body
    return out;
}

}  // namespace lightbox::net
