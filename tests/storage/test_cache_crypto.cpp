// The cache's encryption core (storage/cache_crypto.h): the LBXENC1 file format round-trips every
// size around the chunk boundaries, reads at random offsets decrypt only what they need and match,
// and every change an attacker or a disk can make (a byte of header, body or tag, a truncation, a
// reordered, swapped, foreign or appended chunk, a wrong key) is refused with the file and chunk
// named, never answered with wrong bytes. The cache key's wrapping (Argon2id passphrase, raw KEK)
// refuses wrong secrets and honours the parameters its record carries.
#include "cache_crypto.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>
#include <random>

#include <sys/stat.h>

using namespace lightbox;
using namespace lightbox::storage;

namespace {

constexpr std::uint32_t kChunk = 4096;  // the smallest chunk: many chunks in small files
constexpr std::size_t kH = kEncryptedHeaderSize, kT = kEncryptedTagSize;

std::vector<char> randomBytes(std::size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<char> v(n);
    for (char& c : v) c = char(rng() & 0xff);
    return v;
}

std::vector<char> readAll(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void writeAll(const std::string& path, const std::vector<char>& bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

CacheKey fixedKey(unsigned char seed)
{
    CacheKey k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(seed + i);
    return k;
}

// Writes `plain` through EncryptingWriter in pieces of varying length (1 byte to 3 chunks).
bool encryptTo(const std::string& path, const std::vector<char>& plain, const CacheKey& key, std::uint32_t chunk = kChunk)
{
    auto w = EncryptingWriter::create(path, key, chunk);
    if (!w) return false;
    std::mt19937 rng(7);
    for (std::size_t at = 0; at < plain.size();) {
        const std::size_t n = std::min<std::size_t>(plain.size() - at, 1 + rng() % (3 * chunk));
        if (!(*w)->write(plain.data() + at, n)) return false;
        at += n;
    }
    return bool((*w)->finish());
}

std::size_t sealedChunk(std::size_t i) { return kH + i * (kChunk + kT); }  // offset of chunk i

bool refused(const std::string& path, const CacheKey& key, QString* message = nullptr)
{
    auto r = decryptToMemory(path, key);
    if (message && !r) *message = QString::fromStdString(r.error().message);
    return !r;
}

}  // namespace

class CacheCryptoTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void roundTrip_data();
    void roundTrip();
    void randomAccessAtChunkBoundaries();
    void everySingleByteFlipIsRefused();
    void truncationIsRefused();
    void reorderedChunksAreRefused();
    void chunksFromAnotherFileAreRefused();
    void appendedChunkIsRefused();
    void wrongKeyIsRefused();
    void ciphertextHidesAKnownRun();
    void noKeystreamIsUsedTwice();
    void unfinishedWriterLeavesNoFile();
    void passphraseWrapping();
    void argon2ParametersOfTheRecordAreHonoured();
    void rawKekWrapping();

private:
    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }
    QTemporaryDir m_dir;
};

void CacheCryptoTest::roundTrip_data()
{
    QTest::addColumn<qulonglong>("size");
    QTest::addColumn<uint>("chunk");
    for (uint chunk : {kChunk, kDefaultChunkSize}) {
        const QByteArray c = QByteArray::number(chunk);
        QTest::newRow("0/" + c) << 0ull << chunk;
        QTest::newRow("1/" + c) << 1ull << chunk;
        QTest::newRow("chunk-1/" + c) << qulonglong(chunk - 1) << chunk;
        QTest::newRow("chunk/" + c) << qulonglong(chunk) << chunk;
        QTest::newRow("chunk+1/" + c) << qulonglong(chunk + 1) << chunk;
        QTest::newRow("3MB/" + c) << qulonglong(3'000'000) << chunk;
    }
}

void CacheCryptoTest::roundTrip()
{
    QFETCH(qulonglong, size);
    QFETCH(uint, chunk);
    const auto plain = randomBytes(size, unsigned(size));
    const CacheKey key = *newCacheKey();
    const std::string enc = path("rt.enc"), in = path("rt.plain"), enc2 = path("rt2.enc"), out = path("rt.out");
    for (const auto& p : {enc, in, enc2, out}) std::remove(p.c_str());

    QVERIFY(encryptTo(enc, plain, key, chunk));
    const std::uint64_t chunks = size == 0 ? 1 : (size + chunk - 1) / chunk;
    QCOMPARE(readAll(enc).size(), std::size_t(kH + size + chunks * kT));
    struct stat st {};
    QCOMPARE(::stat(enc.c_str(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0600u);
    QVERIFY(isEncryptedFile(enc));

    auto back = decryptToMemory(enc, key);
    QVERIFY2(back, back ? "" : back.error().message.c_str());
    QVERIFY(*back == plain);

    writeAll(in, plain);
    QVERIFY(!isEncryptedFile(in) || size < 7);
    QVERIFY(encryptFile(in, enc2, key, chunk));
    QVERIFY(decryptFile(enc2, out, key));
    QVERIFY(readAll(out) == plain);
    QVERIFY(readAll(enc2) != readAll(enc));  // a fresh salt, so a fresh file key, each time
}

void CacheCryptoTest::randomAccessAtChunkBoundaries()
{
    const auto plain = randomBytes(3'000'000, 11);
    const CacheKey key = *newCacheKey();
    const std::string enc = path("ra.enc");
    QVERIFY(encryptTo(enc, plain, key));
    auto reader = DecryptingReader::open(enc, key);
    QVERIFY(reader);
    QCOMPARE((*reader)->size(), plain.size());

    std::vector<std::pair<std::uint64_t, std::size_t>> reads;
    for (std::uint64_t c : {0ull, 1ull, 2ull, 100ull, 732ull}) {
        for (std::int64_t d : {-1, 0, 1}) {
            const std::int64_t at = std::int64_t(c * kChunk) + d;
            if (at < 0) continue;
            for (std::size_t n : {std::size_t(1), std::size_t(2), std::size_t(kChunk), std::size_t(kChunk + 2), std::size_t(3 * kChunk)})
                reads.emplace_back(std::uint64_t(at), n);
        }
    }
    std::mt19937 rng(5);
    for (int i = 0; i < 200; ++i) reads.emplace_back(rng() % plain.size(), 1 + rng() % 200'000);
    reads.emplace_back(plain.size() - 10, 100);  // runs past the end: clipped
    reads.emplace_back(plain.size(), 10);        // at the end: nothing
    for (const auto& [at, n] : reads) {
        auto got = (*reader)->read(at, n);
        QVERIFY(got);
        const std::size_t expect = at >= plain.size() ? 0 : std::min<std::size_t>(n, plain.size() - at);
        QCOMPARE(got->size(), expect);
        QVERIFY2(std::equal(got->begin(), got->end(), plain.begin() + std::ptrdiff_t(at)), QByteArray::number(qulonglong(at)).constData());
    }
}

void CacheCryptoTest::everySingleByteFlipIsRefused()
{
    // Three full chunks and a partial one: every byte of header, bodies and tags is flipped once.
    const auto plain = randomBytes(3 * kChunk + 100, 3);
    const CacheKey key = *newCacheKey();
    const std::string enc = path("flip.enc");
    QVERIFY(encryptTo(enc, plain, key));
    const auto original = readAll(enc);
    std::fstream f(enc, std::ios::binary | std::ios::in | std::ios::out);
    int refusedCount = 0;
    for (std::size_t i = 0; i < original.size(); ++i) {
        f.seekp(std::streamoff(i));
        f.put(char(original[i] ^ 0x01));
        f.flush();
        // The whole file, and a random-access read of the chunk holding the byte.
        const bool whole = refused(enc, key);
        bool ranged = true;
        if (auto r = DecryptingReader::open(enc, key)) {
            const std::uint64_t chunk = i < kH ? 0 : (i - kH) / (kChunk + kT);
            ranged = !(*r)->read(chunk * kChunk, 1);
        }
        if (!whole || !ranged) QFAIL(qPrintable(QString("a flipped byte at offset %1 was not refused").arg(i)));
        ++refusedCount;
        f.seekp(std::streamoff(i));
        f.put(original[i]);
        f.flush();
    }
    QCOMPARE(refusedCount, int(original.size()));
    QVERIFY(decryptToMemory(enc, key));  // restored: accepted again

    // The error names the file and the chunk.
    f.seekp(std::streamoff(sealedChunk(1) + 10));
    f.put(char(original[sealedChunk(1) + 10] ^ 0x80));
    f.flush();
    QString message;
    QVERIFY(refused(enc, key, &message));
    QVERIFY2(message.contains(QString::fromStdString(enc)) && message.contains("chunk 1 of 4"), qPrintable(message));
    // decryptFile leaves nothing behind when a chunk fails.
    QVERIFY(!decryptFile(enc, path("flip.out"), key));
    QVERIFY(!QFile::exists(QString::fromStdString(path("flip.out"))) && !QFile::exists(QString::fromStdString(path("flip.out.partial"))));
}

void CacheCryptoTest::truncationIsRefused()
{
    const auto plain = randomBytes(3 * kChunk + 100, 4);
    const CacheKey key = *newCacheKey();
    const std::string enc = path("trunc.enc"), cut = path("trunc.cut");
    QVERIFY(encryptTo(enc, plain, key));
    const auto original = readAll(enc);

    auto withSize = [](std::vector<char> bytes, std::uint64_t size) {  // an attacker rewrites the header's size
        for (int i = 0; i < 8; ++i) bytes[16 + std::size_t(i)] = char((size >> (56 - 8 * i)) & 0xff);
        return bytes;
    };
    // One byte off the end.
    writeAll(cut, std::vector<char>(original.begin(), original.end() - 1));
    QVERIFY(refused(cut, key));
    writeAll(cut, withSize(std::vector<char>(original.begin(), original.end() - 1), plain.size() - 1));
    QVERIFY(refused(cut, key));
    // The last (partial) chunk dropped: three full chunks remain, the third was never a last chunk.
    const std::vector<char> threeChunks(original.begin(), original.begin() + std::ptrdiff_t(sealedChunk(3)));
    writeAll(cut, threeChunks);
    QVERIFY(refused(cut, key));
    writeAll(cut, withSize(threeChunks, 3 * kChunk));
    QVERIFY(refused(cut, key));
    // Cut inside the body, and down to the header alone (even claiming an empty file).
    writeAll(cut, std::vector<char>(original.begin(), original.begin() + std::ptrdiff_t(sealedChunk(1))));
    QVERIFY(refused(cut, key));
    writeAll(cut, withSize(std::vector<char>(original.begin(), original.begin() + std::ptrdiff_t(kH)), 0));
    QVERIFY(refused(cut, key));
    writeAll(cut, std::vector<char>(original.begin(), original.begin() + 7));
    QVERIFY(refused(cut, key));
}

void CacheCryptoTest::reorderedChunksAreRefused()
{
    const auto plain = randomBytes(4 * kChunk, 5);
    const CacheKey key = *newCacheKey();
    const std::string enc = path("swap.enc");
    QVERIFY(encryptTo(enc, plain, key));
    auto bytes = readAll(enc);
    std::swap_ranges(bytes.begin() + std::ptrdiff_t(sealedChunk(0)), bytes.begin() + std::ptrdiff_t(sealedChunk(1)),
                     bytes.begin() + std::ptrdiff_t(sealedChunk(1)));
    writeAll(enc, bytes);
    QVERIFY(refused(enc, key));
    auto reader = DecryptingReader::open(enc, key);  // the last chunk is untouched: open succeeds...
    QVERIFY(reader);
    QVERIFY(!(*reader)->read(0, 1));                                 // ...but chunk 0 (really chunk 1) fails
    QVERIFY(!(*reader)->read(kChunk, 1));                            // and chunk 1 (really chunk 0)
    QVERIFY((*reader)->read(2 * kChunk, 2 * kChunk));                // the untouched ones still read
}

void CacheCryptoTest::chunksFromAnotherFileAreRefused()
{
    // Two files of the same size under the same key: chunk 1 of one put into the other.
    const CacheKey key = *newCacheKey();
    const std::string a = path("a.enc"), b = path("b.enc");
    QVERIFY(encryptTo(a, randomBytes(3 * kChunk, 6), key));
    QVERIFY(encryptTo(b, randomBytes(3 * kChunk, 7), key));
    auto bytesA = readAll(a);
    const auto bytesB = readAll(b);
    std::copy(bytesB.begin() + std::ptrdiff_t(sealedChunk(1)), bytesB.begin() + std::ptrdiff_t(sealedChunk(2)),
              bytesA.begin() + std::ptrdiff_t(sealedChunk(1)));
    writeAll(a, bytesA);
    QVERIFY(refused(a, key));
    // The other file's header with this file's chunks.
    auto headerSwapped = readAll(b);
    std::copy(bytesA.begin(), bytesA.begin() + std::ptrdiff_t(kH), headerSwapped.begin());
    writeAll(b, headerSwapped);
    QVERIFY(refused(b, key));
}

void CacheCryptoTest::appendedChunkIsRefused()
{
    const CacheKey key = *newCacheKey();
    const std::string enc = path("append.enc");
    QVERIFY(encryptTo(enc, randomBytes(2 * kChunk, 8), key));
    const auto original = readAll(enc);
    auto withSize = [](std::vector<char> bytes, std::uint64_t size) {
        for (int i = 0; i < 8; ++i) bytes[16 + std::size_t(i)] = char((size >> (56 - 8 * i)) & 0xff);
        return bytes;
    };
    // A copy of the first chunk appended, with and without the header's size raised to match.
    auto longer = original;
    longer.insert(longer.end(), original.begin() + std::ptrdiff_t(sealedChunk(0)), original.begin() + std::ptrdiff_t(sealedChunk(1)));
    writeAll(enc, longer);
    QVERIFY(refused(enc, key));
    writeAll(enc, withSize(longer, 3 * kChunk));
    QVERIFY(refused(enc, key));
    // A single extra byte.
    auto oneMore = original;
    oneMore.push_back('x');
    writeAll(enc, oneMore);
    QVERIFY(refused(enc, key));
}

void CacheCryptoTest::wrongKeyIsRefused()
{
    const std::string enc = path("key.enc");
    QVERIFY(encryptTo(enc, randomBytes(kChunk + 5, 9), fixedKey(1)));
    QVERIFY(decryptToMemory(enc, fixedKey(1)));
    QString message;
    QVERIFY(refused(enc, fixedKey(2), &message));
    QVERIFY2(message.contains("wrong key"), qPrintable(message));
    QVERIFY(!DecryptingReader::open(enc, fixedKey(2)));
}

void CacheCryptoTest::ciphertextHidesAKnownRun()
{
    // A known 64-byte run (as a run of uncompressed pixels), repeated through the file.
    std::vector<char> run(64);
    for (std::size_t i = 0; i < run.size(); ++i) run[i] = char("LIGHTBOX-PIXEL-RUN"[i % 18] ^ i);
    std::vector<char> plain;
    for (int i = 0; i < 4000; ++i) plain.insert(plain.end(), run.begin(), run.end());
    const std::string enc = path("run.enc");
    const CacheKey key = *newCacheKey();
    QVERIFY(encryptTo(enc, plain, key));
    const auto bytes = readAll(enc);
    QVERIFY(std::search(plain.begin(), plain.end(), run.begin(), run.end()) != plain.end());  // the probe works
    QVERIFY(std::search(bytes.begin(), bytes.end(), run.begin(), run.end()) == bytes.end());
    // Nor any 16-byte piece of it.
    QVERIFY(std::search(bytes.begin(), bytes.end(), run.begin() + 20, run.begin() + 36) == bytes.end());
}

void CacheCryptoTest::noKeystreamIsUsedTwice()
{
    // Equal plaintext chunks in one file, and the same plaintext in two files under one key, must
    // never give equal ciphertext: GCM with a repeated nonce leaks the XOR of plaintexts and its
    // authentication key.
    const std::vector<char> plain(4 * kChunk, 'A');
    const CacheKey key = *newCacheKey();
    const std::string one = path("ks1.enc"), two = path("ks2.enc");
    QVERIFY(encryptTo(one, plain, key));
    QVERIFY(encryptTo(two, plain, key));
    const auto a = readAll(one), b = readAll(two);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) {
            if (i != j)
                QVERIFY2(!std::equal(a.begin() + std::ptrdiff_t(sealedChunk(i)), a.begin() + std::ptrdiff_t(sealedChunk(i) + kChunk),
                                     a.begin() + std::ptrdiff_t(sealedChunk(j))),
                         qPrintable(QString("chunks %1 and %2 of one file share a keystream").arg(i).arg(j)));
            QVERIFY2(!std::equal(a.begin() + std::ptrdiff_t(sealedChunk(i)), a.begin() + std::ptrdiff_t(sealedChunk(i) + kChunk),
                                 b.begin() + std::ptrdiff_t(sealedChunk(j))),
                     qPrintable(QString("chunk %1 of one file and %2 of another share a keystream").arg(i).arg(j)));
        }
}

void CacheCryptoTest::unfinishedWriterLeavesNoFile()
{
    const std::string enc = path("unfinished.enc");
    {
        auto w = EncryptingWriter::create(enc, *newCacheKey(), kChunk);
        QVERIFY(w);
        const auto some = randomBytes(10'000, 1);
        QVERIFY((*w)->write(some.data(), some.size()));
        QVERIFY(!EncryptingWriter::create(enc, *newCacheKey(), kChunk));  // never over an existing file
    }
    QVERIFY(!QFile::exists(QString::fromStdString(enc)));
}

void CacheCryptoTest::passphraseWrapping()
{
    const CacheKey key = *newCacheKey();
    auto wrapped = wrapKey(key, "correct horse battery staple");
    QVERIFY(wrapped);
    QCOMPARE(wrapped->kdf, std::string("argon2id"));
    QCOMPARE(wrapped->m, 65536u);
    QCOMPARE(wrapped->t, 3u);
    QCOMPARE(wrapped->p, 1u);
    const std::string json = wrapped->toJson();
    QVERIFY2(json.find("\"kdf\":\"argon2id\"") != std::string::npos && json.find("\"m\":65536") != std::string::npos, json.c_str());
    auto parsed = WrappedKey::fromJson(json);
    QVERIFY(parsed);

    auto back = unwrapKey(*parsed, "correct horse battery staple");
    QVERIFY(back);
    QVERIFY(*back == key);
    auto wrong = unwrapKey(*parsed, "correct horse battery stapler");
    QVERIFY(!wrong);
    QCOMPARE(wrong.error().code, std::string("wrong-passphrase"));
    QVERIFY(!unwrapKey(*parsed, ""));

    // A changed ciphertext, nonce or salt is refused, never turned into another key.
    for (std::string WrappedKey::*field : {&WrappedKey::ciphertext, &WrappedKey::nonce, &WrappedKey::salt}) {
        WrappedKey bad = *parsed;
        (bad.*field)[0] = char((bad.*field)[0] ^ 1);
        QVERIFY(!unwrapKey(bad, "correct horse battery staple"));
    }
    QVERIFY(!WrappedKey::fromJson("{\"kdf\":\"rot13\",\"nonce\":\"\",\"ciphertext\":\"\"}"));
    QVERIFY(!WrappedKey::fromJson("{\"kdf\":\"argon2id\",\"m\":\"lots\"}"));
    QVERIFY(!WrappedKey::fromJson("not json"));
    QVERIFY(!wrapKey(key, ""));
}

void CacheCryptoTest::argon2ParametersOfTheRecordAreHonoured()
{
    const CacheKey key = *newCacheKey();
    const Argon2Params cheap{8 * 1024, 1, 2};
    auto wrapped = wrapKey(key, "pass", cheap);
    QVERIFY(wrapped);
    auto parsed = WrappedKey::fromJson(wrapped->toJson());
    QVERIFY(parsed);
    QCOMPARE(parsed->m, 8192u);
    QCOMPARE(parsed->t, 1u);
    QCOMPARE(parsed->p, 2u);
    // Unwrapped with the record's parameters, not the defaults (which would derive another KEK).
    auto back = unwrapKey(*parsed, "pass");
    QVERIFY2(back, back ? "" : back.error().message.c_str());
    QVERIFY(*back == key);
    // Each parameter changed in the record: another KEK (and a changed AAD): refused.
    for (std::uint32_t WrappedKey::*field : {&WrappedKey::m, &WrappedKey::t, &WrappedKey::p}) {
        WrappedKey bad = *parsed;
        bad.*field += 1;
        QVERIFY(!unwrapKey(bad, "pass"));
    }
    // A crafted record asking for absurd cost is refused before Argon2 runs.
    WrappedKey greedy = *parsed;
    greedy.m = 0xffffffffu;
    auto r = unwrapKey(greedy, "pass");
    QVERIFY(!r);
    QCOMPARE(r.error().code, std::string("bad-wrapped-key"));
}

void CacheCryptoTest::rawKekWrapping()
{
    const CacheKey key = *newCacheKey(), kek = *newCacheKey();
    auto wrapped = wrapKeyWithKek(key, kek);
    QVERIFY(wrapped);
    auto parsed = WrappedKey::fromJson(wrapped->toJson());
    QVERIFY(parsed);
    QCOMPARE(parsed->kdf, std::string("raw"));
    auto back = unwrapKeyWithKek(*parsed, kek);
    QVERIFY(back);
    QVERIFY(*back == key);
    QVERIFY(!unwrapKeyWithKek(*parsed, *newCacheKey()));
    QVERIFY(!unwrapKey(*parsed, "pass"));  // a KEK-wrapped copy is not a passphrase-wrapped one
    QVERIFY(key != kek && *newCacheKey() != *newCacheKey());
}

QTEST_GUILESS_MAIN(CacheCryptoTest)
#include "test_cache_crypto.moc"
