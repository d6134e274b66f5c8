// Plain vs sealed cache index (storage/sealed_vfs.h), same run, same machine: inserting 200k
// studies with the real schema (patients, studies, study names and their trigram index), then the
// p50/p95 of an indexed lookup by patient ID and of a trigram substring search.
// Usage: bench_sealed_index [folder] [studies]
#include "schema.h"
#include "sqlite_db.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace lightbox::storage;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

bool fill(Database& db, int count)
{
    for (int from = 0; from < count; from += 5000) {
        Transaction t(db);
        for (int i = from; i < std::min(count, from + 5000); ++i) {
            const std::string name = "Zebrowski^Anastazja " + std::to_string(i), pid = "PID-7731-XQ-" + std::to_string(i);
            auto p = db.cached("INSERT INTO patients (patient_key, patient_id, name) VALUES (?, ?, ?)");
            if (!p->bind(1, pid).bind(2, pid).bind(3, name).run()) return false;
            const std::int64_t patient = db.lastInsertId();
            auto s = db.cached("INSERT INTO studies (patient_ref, study_uid, patient_name, arrived_at) VALUES (?, ?, ?, 0)");
            if (!s->bind(1, patient).bind(2, "1.2.3." + std::to_string(i)).bind(3, name).run()) return false;
            auto n = db.cached("INSERT INTO study_names (name, study_ref) VALUES (?, ?)");
            if (!n->bind(1, name).bind(2, db.lastInsertId()).run()) return false;
        }
        if (!t.commit()) return false;
    }
    return true;
}

bool run(const std::string& file, const CacheKey* key, int count)
{
    std::filesystem::remove(file);
    auto db = Database::open(file, true, key);
    if (!db || !migrate(*db)) return false;
    const auto t0 = Clock::now();
    if (!fill(*db, count)) return false;
    const double insertMs = ms(Clock::now() - t0);
    db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    std::mt19937 rng(42);
    std::vector<double> lookup, search;
    for (int i = 0; i < 5000; ++i) {
        const auto t = Clock::now();
        auto st = db->cached("SELECT name FROM patients WHERE patient_id = ?");
        st->bind(1, "PID-7731-XQ-" + std::to_string(rng() % count));
        if (!st->step()) return false;
        lookup.push_back(ms(Clock::now() - t));
    }
    for (int i = 0; i < 300; ++i) {
        const auto t = Clock::now();
        auto st = db->cached("SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH ?");
        st->bind(1, "\"a " + std::to_string(rng() % count) + "\"");
        if (!st->step() || st->integer(0) < 1) return false;
        search.push_back(ms(Clock::now() - t));
    }
    std::printf("%-7s insert %d studies: %8.0f ms | lookup p50 %.3f p95 %.3f ms | trigram p50 %.3f p95 %.3f ms | %.1f MiB\n",
                key ? "sealed" : "plain", count, insertMs, percentile(lookup, 0.5), percentile(lookup, 0.95), percentile(search, 0.5),
                percentile(search, 0.95), double(std::filesystem::file_size(file)) / (1 << 20));
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string folder = argc > 1 ? argv[1] : std::filesystem::temp_directory_path().string();
    const int count = argc > 2 ? std::atoi(argv[2]) : 200000;
    CacheKey key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i * 7 + 1);
    const bool ok = run(folder + "/bench-plain.sqlite", nullptr, count) && run(folder + "/bench-sealed.sqlite", &key, count) &&
                    run(folder + "/bench-plain.sqlite", nullptr, count) && run(folder + "/bench-sealed.sqlite", &key, count);
    for (const char* n : {"/bench-plain.sqlite", "/bench-sealed.sqlite"}) std::filesystem::remove(folder + n);
    if (!ok) std::fprintf(stderr, "benchmark failed\n");
    return ok ? 0 : 1;
}
