#pragma once
// DICOMweb client (libcurl): QIDO-RS search, WADO-RS retrieve of studies, series and instances
// (multipart/related, streamed to files for an InstanceSink, in the archive's own transfer
// syntax) and metadata, STOW-RS store. HTTPS with certificate verification (system store or a
// given CA), HTTP basic or bearer-token authentication, timeouts on connect and on silence,
// cancellation.
#include "dimse_find.h"
#include "instance_sink.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lightbox::net {

struct WebServer {
    std::string baseUrl;   // e.g. https://pacs.example.org/dicom-web (no trailing slash needed)
    std::string user, password;  // basic authentication when user is set
    std::string token;           // bearer token (instead of basic)
    std::string caFile;          // trusted CA (PEM) in addition to the system's
    bool verifyPeer = true;
    int timeoutSeconds = 30;     // to connect, and the longest silence while transferring
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// GET {base}/{path}?params with Accept: application/dicom+json. `path`: "studies",
// "studies/{uid}/series", "studies/{uid}/series/{uid}/instances", "studies/{uid}/instances".
Result<std::vector<Attributes>> qido(const WebServer& server, const std::string& path, const QueryParams& params,
                                     const std::atomic<bool>* cancel = nullptr);

struct WadoProgress {
    std::uint64_t bytes = 0;
    int instances = 0;
};

struct WadoOutcome {
    int instances = 0;
    std::uint64_t bytes = 0;
    bool cancelled = false;
};

// GET {base}/{path} as multipart/related; type="application/dicom"; transfer-syntax=*, each part
// to the sink. `path`: "studies/{uid}", "studies/{uid}/series/{uid}" or ".../instances/{uid}".
Result<WadoOutcome> wadoRetrieve(const WebServer& server, const std::string& path, InstanceSink& sink,
                                 const std::function<void(const WadoProgress&)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

// GET {base}/{path}/metadata: the DICOM JSON text.
Result<std::string> wadoMetadata(const WebServer& server, const std::string& path, const std::atomic<bool>* cancel = nullptr);

struct StowOutcome {
    int stored = 0;
    std::vector<std::pair<std::string, std::string>> failed;  // SOP Instance UID, reason
    int httpStatus = 0;
};

// POST {base}/studies with the files as one multipart/related request.
Result<StowOutcome> stow(const WebServer& server, const std::vector<std::string>& files,
                         const std::function<void(std::uint64_t sent, std::uint64_t total)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

// Attributes from one DICOM JSON object (PS3.18 F.2): values joined by '\', person names by '='.
Attributes attributesFromJson(const std::string& jsonObject);

}  // namespace lightbox::net
