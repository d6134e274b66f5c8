// Benchmark (run on demand): the cache's encryption core (storage/cache_crypto.h) on one large file.
// Encrypt file → file, decrypt file → file, decrypt into memory, and random 1 MiB reads, in MB/s,
// side by side with the physical floor of the same file on the same disk (cp, cat > /dev/null) and
// OpenSSL's own AES-256-GCM speed on 64 KiB blocks (`openssl speed -evp aes-256-gcm`; `openssl enc`
// has no GCM). Also the cost of one Argon2id unwrap with the default parameters.
// usage: bench_cache_crypto [WORK_DIR] [--mb N]   (default: a temporary folder, 500 MB)
#include "cache_crypto.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace lightbox::storage;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double timeShell(const std::string& command)
{
    const auto t = Clock::now();
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "failed: %s\n", command.c_str());
    return secondsSince(t);
}

std::string shellOutput(const std::string& command)
{
    std::string out;
    if (FILE* p = popen(command.c_str(), "r")) {
        char buf[4096];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        pclose(p);
    }
    return out;
}

// OpenSSL's AES-256-GCM rate on 64 KiB blocks, in MB/s (from `openssl speed -mr`), or -1.
double opensslSpeed()
{
    const std::string out = shellOutput("openssl speed -mr -seconds 2 -bytes 65536 -evp aes-256-gcm 2>/dev/null");
    // "+F:N:AES-256-GCM:bytes_per_second"
    const auto at = out.find("+F:");
    if (at == std::string::npos) return -1;
    const auto last = out.rfind(':', out.find('\n', at));
    return std::atof(out.c_str() + last + 1) / 1e6;
}

void line(const char* what, double seconds, double mb)
{
    std::printf("  %-44s %8.2f s  %8.0f MB/s\n", what, seconds, mb / seconds);
}

}  // namespace

int main(int argc, char** argv)
{
    std::string work;
    std::uint64_t mb = 500;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--mb") == 0 && i + 1 < argc) mb = std::strtoull(argv[++i], nullptr, 10);
        else work = argv[i];
    }
    bool own = false;
    if (work.empty()) {
        char tmpl[] = "/tmp/bench_cache_crypto.XXXXXX";
        if (!mkdtemp(tmpl)) return 1;
        work = tmpl;
        own = true;
    }
    const std::string plain = work + "/plain.bin", copy = work + "/copy.bin", enc = work + "/file.enc", dec = work + "/file.dec";
    for (const auto& p : {plain, copy, enc, dec}) fs::remove(p);

    const std::uint64_t size = mb * 1'000'000;
    {
        std::ofstream f(plain, std::ios::binary);
        std::mt19937_64 rng(42);
        std::vector<std::uint64_t> block(1 << 17);
        for (std::uint64_t done = 0; done < size;) {
            for (auto& v : block) v = rng();
            const std::uint64_t n = std::min<std::uint64_t>(size - done, block.size() * 8);
            f.write(reinterpret_cast<const char*>(block.data()), std::streamsize(n));
            done += n;
        }
    }
    const double mbs = double(size) / 1e6;
    std::printf("bench_cache_crypto: %.0f MB file in %s (warm page cache; MB = 10^6 bytes)\n", mbs, work.c_str());
    const CacheKey key = *newCacheKey();

    std::printf("floor:\n");
    timeShell("cat '" + plain + "' > /dev/null");  // warm
    line("cat file > /dev/null", timeShell("cat '" + plain + "' > /dev/null"), mbs);
    line("cp file file", timeShell("cp '" + plain + "' '" + copy + "'"), mbs);
    fs::remove(copy);
    const double ossl = opensslSpeed();
    if (ossl > 0) std::printf("  %-44s %8s    %8.0f MB/s\n", "openssl speed -evp aes-256-gcm (64 KiB)", "", ossl);

    std::printf("lightbox (LBXENC1, 64 KiB chunks):\n");
    auto t = Clock::now();
    if (auto st = encryptFile(plain, enc, key); !st) return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 1;
    line("encryptFile (file -> file)", secondsSince(t), mbs);

    t = Clock::now();
    if (auto st = decryptFile(enc, dec, key); !st) return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 1;
    line("decryptFile (file -> file)", secondsSince(t), mbs);
    fs::remove(dec);

    t = Clock::now();
    {
        auto r = decryptToMemory(enc, key);
        if (!r) return std::fprintf(stderr, "%s\n", r.error().message.c_str()), 1;
        line("decryptToMemory", secondsSince(t), mbs);
    }

    {
        auto reader = DecryptingReader::open(enc, key);
        if (!reader) return 1;
        std::vector<char> buf(1 << 20);
        std::mt19937_64 rng(1);
        const int reads = 200;
        t = Clock::now();
        for (int i = 0; i < reads; ++i) {
            const std::uint64_t at = rng() % (size - buf.size());
            if (!(*reader)->readInto(at, buf.size(), buf.data())) return 1;
        }
        const double s = secondsSince(t);
        std::printf("  %-44s %8.2f ms per read  %6.0f MB/s\n", "random 1 MiB reads (DecryptingReader)", 1000 * s / reads,
                    reads * double(buf.size()) / 1e6 / s);
    }

    t = Clock::now();
    auto wrapped = wrapKey(key, "a recovery passphrase");
    const double wrapS = secondsSince(t);
    t = Clock::now();
    auto back = unwrapKey(*wrapped, "a recovery passphrase");
    std::printf("argon2id (m=64 MiB, t=3, p=1): wrap %.0f ms, unwrap %.0f ms%s\n", 1000 * wrapS, 1000 * secondsSince(t),
                back && *back == key ? "" : "  (UNWRAP FAILED)");

    for (const auto& p : {plain, enc}) fs::remove(p);
    if (own) fs::remove_all(work);
    return 0;
}
