#include "backup.h"

#include "cache_keys.h"

#include "access_gate.h"
#include "digest.h"
#include "ingest.h"
#include "sealed_vfs.h"
#include "sqlite_db.h"
#include "study_index.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = "backup.json";
constexpr const char* kPrefix = "lightbox-backup-";

bool cancelled(const std::atomic<bool>* cancel) { return cancel && cancel->load(); }

// Creates the folder and any missing parent, each 0700 (whatever the umask).
Status makePrivateFolder(const std::string& path)
{
    fs::path built;
    for (const fs::path& part : fs::path(path).lexically_normal()) {
        built /= part;
        if (part.empty() || ::mkdir(built.c_str(), 0700) == 0 || errno == EEXIST) continue;
        return makeError("backup", "cannot create " + built.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, ec);
    return Done{};
}

// Copies `from` to a new file `to` (0600), hashing what it reads; fsyncs the copy. Fails when the
// source is missing ("missing"), unreadable, or its bytes do not match `expected`.
Status copyChecked(const std::string& from, const std::string& to, const Sha256& expected, std::uint64_t* bytes)
{
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return makeError(errno == ENOENT ? "missing" : "unreadable", from + ": " + std::strerror(errno));
    if (auto s = makePrivateFolder(fs::path(to).parent_path().string()); !s) {
        ::close(in);
        return s;
    }
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        ::close(in);
        return makeError("write", to + ": " + std::strerror(errno));
    }
    Sha256Stream hash;
    std::vector<char> buffer(1 << 20);
    std::uint64_t total = 0;
    Status result = Done{};
    while (true) {
        const ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0) {
            result = makeError("unreadable", from + ": " + std::strerror(errno));
            break;
        }
        if (n == 0) break;
        hash.update(buffer.data(), std::size_t(n));
        for (ssize_t off = 0; off < n;) {
            const ssize_t w = ::write(out, buffer.data() + off, std::size_t(n - off));
            if (w < 0) {
                result = makeError(errno == ENOSPC ? "disk-full" : "write", to + ": " + std::strerror(errno));
                break;
            }
            off += w;
        }
        if (!result) break;
        total += std::uint64_t(n);
    }
    ::close(in);
    if (result && ::fsync(out) != 0) result = makeError("write", to + ": " + std::strerror(errno));
    ::close(out);
    if (result && hash.finish() != expected) result = makeError("modified", from + " does not match the SHA-256 the index records");
    if (!result) ::unlink(to.c_str());
    else if (bytes) *bytes += total;
    return result;
}

struct IndexedFile {
    std::string sop, studyUid;
    Sha256 sha{};
};

std::vector<IndexedFile> indexedFiles(Database& db)
{
    std::vector<IndexedFile> out;
    auto st = db.prepare("SELECT i.sop_instance_uid, s.study_uid, i.sha256 FROM instances i JOIN series se ON se.id = i.series_ref "
                         "JOIN studies s ON s.id = se.study_ref ORDER BY s.id, se.id, i.id");
    if (!st) return out;
    while (st->step()) {
        IndexedFile f{st->text(0), st->text(1), {}};
        const std::string b = st->blob(2);
        if (b.size() == f.sha.size()) std::memcpy(f.sha.data(), b.data(), b.size());
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<StudyFacts> studiesOf(Database& db)
{
    std::vector<StudyFacts> out;
    auto st = db.prepare("SELECT p.patient_id, s.patient_name, s.study_uid, (SELECT COUNT(*) FROM instances i JOIN series se ON se.id = i.series_ref "
                         "WHERE se.study_ref = s.id) FROM studies s JOIN patients p ON p.id = s.patient_ref ORDER BY s.id");
    if (!st) return out;
    while (st->step()) out.push_back({st->text(0), st->text(1), st->text(2), int(st->integer(3))});
    return out;
}

// key.json (wrapped copies of the cache key only) from one cache-like folder to another.
Status copyKeyFile(const std::string& from, const std::string& to)
{
    std::error_code ec;
    const std::string target = to + "/" + kCacheKeyFileName;
    fs::copy_file(from + "/" + kCacheKeyFileName, target, fs::copy_options::overwrite_existing, ec);
    if (ec) return makeError("backup", "cannot copy the cache's key file: " + ec.message());
    ::chmod(target.c_str(), 0600);
    return Done{};
}

std::string stamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    return buf;
}

// The relative path of an instance's file in a cache (or backup) folder.
std::string relativePath(const FileStore& store, const std::string& sop) { return fs::relative(store.finalPath(sop), store.root()).string(); }

void writeManifest(const std::string& folder, const CopyReport& r)
{
    std::ofstream out(folder + "/" + kManifest, std::ios::trunc);
    out << "{\n  \"format\": 1,\n  \"made\": \"" << stamp() << "\",\n  \"studies\": " << r.studies << ",\n  \"instances\": " << r.instances << "\n}\n";
    out.flush();
    ::chmod((folder + "/" + kManifest).c_str(), 0600);
}

// Copies the files `db` refers to from `fromRoot` to `toRoot`, linking those `previous` (a backup
// whose index says the same hash) already holds.
void copyFiles(Database& db, const FileStore& from, const std::string& toRoot, const std::string& previous, CopyReport& r, const CountProgress& progress,
               const std::atomic<bool>* cancel)
{
    std::map<std::string, Sha256> before;
    if (!previous.empty())
        if (auto prev = Database::open(previous + "/index.sqlite", false, from.key() ? &*from.key() : nullptr))
            for (const IndexedFile& f : indexedFiles(*prev)) before[f.sop] = f.sha;
    const std::vector<IndexedFile> files = indexedFiles(db);
    std::set<std::string> left;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (cancelled(cancel)) {
            r.cancelled = true;
            return;
        }
        const IndexedFile& f = files[i];
        if (progress) progress(i, files.size());
        const std::string rel = relativePath(from, f.sop);
        const std::string to = toRoot + "/" + rel;
        auto it = before.find(f.sop);
        if (it != before.end() && it->second == f.sha) {
            makePrivateFolder(fs::path(to).parent_path().string());
            if (::link((previous + "/" + rel).c_str(), to.c_str()) == 0) {
                ++r.linked;
                continue;
            }
        }
        const Status s = copyChecked(from.finalPath(f.sop), to, f.sha, &r.bytes);
        if (s) continue;
        if (s.error().code == "missing") left.insert(f.studyUid);
        else r.problems.push_back({from.finalPath(f.sop), s.error().message});
        if (s.error().code == "disk-full") return;
    }
    if (progress) progress(files.size(), files.size());
    // Deleted or evicted meanwhile: not in the backup (as if it had been taken a moment later).
    StudyIndex index(db);
    for (const std::string& study : left) {
        if (auto gone = index.deleteStudy(study))
            for (const std::string& sop : *gone) ::unlink((toRoot + "/" + relativePath(from, sop)).c_str());
        r.leftDuring.push_back(study);
    }
}

}  // namespace

Status snapshotIndex(sqlite3* from, const std::string& to, const CacheKey* key)
{
    sqlite3* dest = nullptr;
    if (key) {
        if (auto s = ensureSealedVfs(); !s) return s;
        registerSealedDatabase(to, *key);
    }
    if (sqlite3_open_v2(to.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, key ? kSealedVfsName : nullptr) != SQLITE_OK) {
        sqlite3_close(dest);
        return makeError("backup", "cannot create " + to);
    }
    if (key) {
        // The sealed page format on the new file, before the backup writes its first page.
        int reserve = kSealedReservedBytes;
        if (sqlite3_exec(dest, "PRAGMA temp_store=MEMORY; PRAGMA page_size=4096", nullptr, nullptr, nullptr) != SQLITE_OK ||
            sqlite3_file_control(dest, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK) {
            sqlite3_close(dest);
            return makeError("backup", "cannot prepare the sealed copy " + to);
        }
    }
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", from, "main");
    int rc = SQLITE_ERROR;
    if (b) {
        // Every page in one step: one read transaction, so one point in time.
        do rc = sqlite3_backup_step(b, -1);
        while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
        sqlite3_backup_finish(b);
    }
    const std::string error = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    ::chmod(to.c_str(), 0600);
    if (rc != SQLITE_DONE) return makeError("backup", "cannot copy the index: " + error);
    return Done{};
}

std::string newestBackup(const std::string& destination)
{
    if (fs::exists(destination + "/" + kManifest)) return destination;
    std::string best;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(destination, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kPrefix, 0) != 0 || name.find(".partial") != std::string::npos) continue;
        if (!fs::exists(e.path() / kManifest)) continue;
        if (best.empty() || name > fs::path(best).filename().string()) best = e.path().string();
    }
    return best;
}

Result<CopyReport> backupCache(Cache& cache, const std::string& destination, const CountProgress& progress, const std::atomic<bool>* cancel)
{
    const auto gate = accessGate();
    if (gate)
        if (Status allowed = gate->allow(CacheJob::Backup, {}); !allowed) return allowed.error();
    if (auto s = makePrivateFolder(destination); !s) return s.error();
    const std::string previous = newestBackup(destination);
    CopyReport r;
    r.folder = destination + "/" + kPrefix + stamp();
    for (int n = 2; fs::exists(r.folder); ++n) r.folder = destination + "/" + kPrefix + stamp() + "-" + std::to_string(n);
    const std::string partial = r.folder + ".partial";
    if (auto s = makePrivateFolder(partial); !s) return s.error();
    auto fail = [&](const Error& e) -> Result<CopyReport> {
        std::error_code ec;
        fs::remove_all(partial, ec);
        return e;
    };
    // A sealed cache's backup is sealed too: its files and index are copied encrypted, with the
    // wrapped copies of the key that open them.
    const CacheKey* key = cache.store().key() ? &*cache.store().key() : nullptr;
    if (key)
        if (auto s = copyKeyFile(cache.folder(), partial); !s) return fail(s.error());
    if (auto s = snapshotIndex(cache.database().handle(), partial + "/index.sqlite", key); !s) return fail(s.error());
    auto db = Database::open(partial + "/index.sqlite", false, key);
    if (!db) return fail(db.error());
    db->exec("DELETE FROM study_leases");  // the processes holding studies now are not the restorer's
    copyFiles(*db, cache.store(), partial, previous, r, progress, cancel);
    if (r.cancelled) return fail(makeError("cancelled", "backup cancelled; nothing was kept"));
    const std::vector<StudyFacts> studies = studiesOf(*db);
    r.studies = studies.size();
    for (const StudyFacts& s : studies) r.instances += std::size_t(s.instances);
    *db = Database();
    writeManifest(partial, r);
    ::sync();
    std::error_code ec;
    fs::rename(partial, r.folder, ec);
    if (ec) return fail(makeError("backup", "cannot name the backup " + r.folder + ": " + ec.message()));
    if (gate) gate->done(CacheJob::Backup, studies, r.ok() ? Status(Done{}) : Status(makeError("backup", "incomplete")), r.folder);
    return r;
}

Result<CopyReport> restoreCache(const std::string& source, const std::string& cacheFolder, const CountProgress& progress, const std::atomic<bool>* cancel)
{
    const std::string from = newestBackup(source);
    if (from.empty()) return makeError("not-found", "no complete Lightbox backup in " + source);
    std::error_code ec;
    if (fs::exists(cacheFolder, ec) && !fs::is_empty(cacheFolder, ec))
        return makeError("not-empty", cacheFolder + " is not empty: restore into a new or empty folder");
    const auto gate = accessGate();
    std::optional<CacheKey> key;
    if (cacheIsSealed(from)) {
        auto unlocked = cacheKeyForOpening(from, false);
        if (!unlocked) return unlocked.error();
        key = *unlocked;
    }
    auto src = Database::open(from + "/index.sqlite", false, key ? &*key : nullptr);
    if (!src) return src.error();
    const std::vector<StudyFacts> studies = studiesOf(*src);
    if (gate)
        if (Status allowed = gate->allow(CacheJob::Import, studies); !allowed) return allowed.error();
    const std::string partial = fs::path(cacheFolder).lexically_normal().string() + ".restoring";
    fs::remove_all(partial, ec);
    if (auto s = makePrivateFolder(partial); !s) return s.error();
    CopyReport r;
    r.folder = cacheFolder;
    if (key)
        if (auto s = copyKeyFile(from, partial); !s) return s.error();
    if (auto s = snapshotIndex(src->handle(), partial + "/index.sqlite", key ? &*key : nullptr); !s) return s.error();
    *src = Database();
    auto db = Database::open(partial + "/index.sqlite", false, key ? &*key : nullptr);
    if (!db) return db.error();
    copyFiles(*db, FileStore(from, key), partial, {}, r, progress, cancel);
    const std::vector<StudyFacts> restored = studiesOf(*db);
    *db = Database();
    if (r.cancelled || !r.leftDuring.empty() || !r.problems.empty()) {
        fs::remove_all(partial, ec);
        if (r.cancelled) return makeError("cancelled", "restore cancelled; nothing was restored");
        return makeError("damaged", "the backup is damaged: " + (r.problems.empty() ? std::string("files are missing") : r.problems.front().reason));
    }
    r.studies = restored.size();
    for (const StudyFacts& s : restored) r.instances += std::size_t(s.instances);
    ::sync();
    if (fs::exists(cacheFolder, ec)) fs::remove(cacheFolder, ec);  // empty
    fs::rename(partial, cacheFolder, ec);
    if (ec) return makeError("restore", "cannot name the restored cache " + cacheFolder + ": " + ec.message());
    if (key) rememberCacheKey(cacheFolder, *key);
    if (gate) gate->done(CacheJob::Import, restored, Done{}, "restore:" + from);
    return r;
}

Result<RebuildReport> rebuildIndex(const std::string& cacheFolder, const CountProgress& progress, const std::atomic<bool>* cancel)
{
    RebuildReport r;
    std::error_code ec;
    const std::string index = cacheFolder + "/index.sqlite";
    // An encrypted cache must be unlocked before anything is moved.
    if (auto key = cacheKeyForOpening(cacheFolder, false); !key) return key.error();
    if (fs::exists(index, ec)) {
        // An index that cannot be opened (damaged: the reason to rebuild) holds no lease to honour.
        if (auto old = openCacheIndex(cacheFolder, false)) {
            StudyLeases leases(*old);
            for (const LeaseRow& l : leases.live())
                if (l.pid != ::getpid()) return makeError("in-use", "the cache is open in another process (" + describeHolders({l}) + "): close it first");
        }
        r.previousIndex = index + ".before-rebuild-" + stamp();
        fs::rename(index, r.previousIndex, ec);
        if (ec) return makeError("rebuild", "cannot put the old index aside: " + ec.message());
        for (const char* suffix : {"-wal", "-shm"}) fs::rename(index + suffix, r.previousIndex + suffix, ec);
    }
    auto cache = Cache::open(cacheFolder);
    if (!cache) {
        if (!r.previousIndex.empty()) {  // as it was
            fs::rename(r.previousIndex, index, ec);
            for (const char* suffix : {"-wal", "-shm"}) fs::rename(r.previousIndex + suffix, index + suffix, ec);
        }
        return cache.error();
    }
    const FileStore& store = (*cache)->store();
    const std::vector<std::string> files = store.listFiles();
    r.files = files.size();
    const IngestLimits limits = (*cache)->limits();
    std::vector<Candidate> batch;
    std::vector<std::string> originals;
    auto flush = [&] {
        const IngestResult done = (*cache)->ingest(batch, CacheJob::Import);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const IngestOutcome& o = done.outcomes[i];
            if (o.kind == IngestOutcome::Kind::Stored) {
                ++r.indexed;
                ::unlink(batch[i].temporary.c_str());  // left there when it was already the stored file's other name
                // Stored under its own name; a file that was under another name is that same file.
                if (originals[i] != store.finalPath(batch[i].record.sopInstanceUid)) ::unlink(originals[i].c_str());
            } else if (o.kind == IngestOutcome::Kind::AlreadyPresent) {
                ++r.duplicates;
            } else {
                r.rejected.push_back({originals[i], o.reason});
            }
        }
        batch.clear();
        originals.clear();
        return done.fatal;
    };
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (cancelled(cancel)) {
            r.cancelled = true;
            break;
        }
        if (progress) progress(i, files.size());
        // A second name for the file in tmp/: the one way in places it (under its own name again)
        // and the stored file is never copied, moved away or at risk if this process dies.
        const std::string link = store.temporaryPath("-rebuild.dcm");
        if (::link(files[i].c_str(), link.c_str()) != 0) {
            r.rejected.push_back({files[i], std::string("cannot link into tmp/: ") + std::strerror(errno)});
            continue;
        }
        auto admitted = admitReceived(link, "rebuild", limits, store);
        if (!admitted) {
            ::unlink(link.c_str());
            r.rejected.push_back({files[i], admitted.error().message});
            continue;
        }
        admitted->inPlace = true;
        batch.push_back(std::move(*admitted));
        originals.push_back(files[i]);
        if (batch.size() >= 200)
            if (const std::string fatal = flush(); !fatal.empty()) return makeError("rebuild", fatal);
    }
    if (!batch.empty())
        if (const std::string fatal = flush(); !fatal.empty()) return makeError("rebuild", fatal);
    if (progress) progress(files.size(), files.size());
    return r;
}

}  // namespace lightbox::storage
