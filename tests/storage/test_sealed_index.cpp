// The sealed cache index (storage/sealed_vfs.h): with the real schema and thousands of rows, no
// patient name or ID appears in the database, its WAL or its -shm, before and after a checkpoint
// (and the same scanner does find them in a plain index made the same way); the right key reads
// rows, indexes and trigram searches back; a wrong key or no key is an error; two connections and
// two processes share the WAL; sqlite3_backup makes a sealed copy; a flipped byte on disk is a read
// error, never wrong data.
#include "backup.h"
#include "schema.h"
#include "sealed_vfs.h"
#include "sqlite_db.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

using namespace lightbox;
using namespace lightbox::storage;

namespace {

const std::string kName = "Zebrowski^Anastazja \xC5\xBB" "aneta";  // UTF-8 "Żaneta"
const std::string kLatin1 = "M\xFCller^J\xF6rg";                     // Latin-1 bytes, as some files have
const std::string kPid = "PID-7731-XQ";
const std::vector<std::string> kNeedles = {"Zebrowski", "Anastazja", "\xC5\xBB" "aneta", "M\xFCller", "J\xF6rg", kPid};
constexpr int kStudies = 3000;

CacheKey fixedKey(unsigned char seed)
{
    CacheKey k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(seed * 31 + i);
    return k;
}

std::string readAll(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Every needle found in the database file, its WAL and its -shm ("file: needle").
std::vector<std::string> findNeedles(const std::string& db)
{
    std::vector<std::string> found;
    for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
        const std::string bytes = readAll(path);
        for (const std::string& n : kNeedles)
            if (bytes.find(n) != std::string::npos) found.push_back(path + ": " + n);
    }
    return found;
}

std::int64_t fileSize(const std::string& path)
{
    std::error_code ec;
    const auto n = std::filesystem::file_size(path, ec);
    return ec ? -1 : std::int64_t(n);
}

// The real schema, kStudies patients and studies with distinctive names and IDs (every third a
// Latin-1 name), each study's name in the trigram index.
bool fill(Database& db, int from = 0, int count = kStudies)
{
    Transaction t(db);
    if (!t.ok()) return false;
    for (int i = from; i < from + count; ++i) {
        const std::string name = (i % 3 == 2 ? kLatin1 : kName) + " " + std::to_string(i);
        const std::string pid = kPid + "-" + std::to_string(i);
        auto p = db.cached("INSERT INTO patients (patient_key, patient_id, name) VALUES (?, ?, ?)");
        if (!p || !p->bind(1, pid).bind(2, pid).bind(3, name).run()) return false;
        const std::int64_t patient = db.lastInsertId();
        auto s = db.cached("INSERT INTO studies (patient_ref, study_uid, patient_name, arrived_at) VALUES (?, ?, ?, 0)");
        if (!s || !s->bind(1, patient).bind(2, "1.2.3." + std::to_string(i)).bind(3, name).run()) return false;
        const std::int64_t study = db.lastInsertId();
        auto n = db.cached("INSERT INTO study_names (name, study_ref) VALUES (?, ?)");
        if (!n || !n->bind(1, name).bind(2, study).run()) return false;
    }
    return t.commit().ok();
}

std::int64_t scalar(Database& db, const std::string& sql, std::string* error = nullptr)
{
    auto st = db.prepare(sql);
    if (!st) {
        if (error) *error = st.error().message;
        return -1;
    }
    if (!st->step()) {
        if (error) *error = st->error() ? st->error()->message : "no row";
        return -1;
    }
    return st->integer(0);
}

std::string text(Database& db, const std::string& sql)
{
    auto st = db.prepare(sql);
    if (!st || !st->step()) return "(error)";
    return st->text(0);
}

}  // namespace

class SealedIndexTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string path(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }

    // Makes a sealed (or plain) index with the real schema and rows; leaves `db` open, its rows in
    // the WAL (no checkpoint).
    void makeIndex(const std::string& file, const CacheKey* key, Database& out)
    {
        auto db = Database::open(file, true, key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QVERIFY(db->exec("PRAGMA wal_autocheckpoint=0").ok());
        auto m = migrate(*db);
        QVERIFY2(m, m ? "" : m.error().message.c_str());
        QVERIFY(fill(*db));
        out = std::move(*db);
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void plainIndex_ShouldShowTheNeedles_SoTheScannerWorks()
    {
        const std::string file = path("plain.sqlite");
        Database db;
        makeIndex(file, nullptr, db);
        QVERIFY(!findNeedles(file).empty());
        QVERIFY(!isSealedDatabaseFile(file));
        QVERIFY(db.exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
        const auto found = findNeedles(file);
        QCOMPARE(found.size(), kNeedles.size());  // every needle in the database file itself
    }

    void sealedIndex_ShouldHideNamesAndIds_InDatabaseWalAndShm()
    {
        const std::string file = path("sealed.sqlite");
        const CacheKey key = fixedKey(1);
        Database db;
        makeIndex(file, &key, db);
        QVERIFY2(fileSize(file + "-wal") > 100 * 4096, "the rows should be in the WAL");
        auto found = findNeedles(file);
        QVERIFY2(found.empty(), found.empty() ? "" : found.front().c_str());
        QVERIFY(db.exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
        QVERIFY(fileSize(file) > 100 * 4096);
        found = findNeedles(file);
        QVERIFY2(found.empty(), found.empty() ? "" : found.front().c_str());
        QVERIFY(isSealedDatabaseFile(file));
        QVERIFY(readAll(file).find("SQLite format 3") == std::string::npos);
    }

    void rightKey_ShouldReadRowsIndexesAndTrigramSearches()
    {
        const std::string file = path("sealed.sqlite");
        const CacheKey key = fixedKey(1);
        auto db = Database::open(file, false, &key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(kStudies));
        QCOMPARE(text(*db, "PRAGMA integrity_check"), std::string("ok"));
        QCOMPARE(scalar(*db, "PRAGMA page_size"), std::int64_t(4096));
        QCOMPARE(text(*db, "PRAGMA journal_mode"), std::string("wal"));
        // Indexed lookup (patients_patient_id) and the name read back byte for byte.
        QCOMPARE(text(*db, "SELECT name FROM patients WHERE patient_id = '" + kPid + "-1234'"), kName + " 1234");
        QCOMPARE(text(*db, "SELECT name FROM patients WHERE patient_id = '" + kPid + "-1235'"), kLatin1 + " 1235");
        // Trigram substring search: "browski^Ana" in the two of three names that are UTF-8.
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH '\"browski^Ana\"'"),
                 std::int64_t(kStudies - kStudies / 3));
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH '\"aneta 2999\"'"), std::int64_t(0));
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH '\"aneta 2998\"'"), std::int64_t(1));
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH '\"ller^J\xF6rg 2999\"'"), std::int64_t(1));
    }

    void wrongKeyOrNoKey_ShouldBeAClearError()
    {
        const std::string file = path("sealed.sqlite");
        const CacheKey wrong = fixedKey(2);
        auto bad = Database::open(file, false, &wrong);
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("not a database") != std::string::npos, bad.error().message.c_str());
        auto plain = Database::open(file, false);
        QVERIFY(!plain);
        QVERIFY2(plain.error().message.find("not a database") != std::string::npos, plain.error().message.c_str());
        // A plain index opened with a key: an error too, nothing written.
        const std::string plainFile = path("plain.sqlite");
        const std::string before = readAll(plainFile);
        auto keyed = Database::open(plainFile, false, &wrong);
        QVERIFY(!keyed);
        QVERIFY2(keyed.error().message.find("not a database") != std::string::npos, keyed.error().message.c_str());
        QVERIFY(readAll(plainFile) == before);
        // The right key still opens it (the failed opens changed nothing).
        const CacheKey key = fixedKey(1);
        auto db = Database::open(file, false, &key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(kStudies));
    }

    void wrongKeyWhileOpen_ShouldNotChangeTheOpenConnectionsKey()
    {
        const std::string file = path("sealed.sqlite");
        const CacheKey key = fixedKey(1), wrong = fixedKey(3);
        auto db = Database::open(file, false, &key);
        QVERIFY(db);
        QVERIFY(!Database::open(file, false, &wrong));  // leaves the wrong key registered for the path
        // The open connection's WAL (opened lazily, now) still uses the right key.
        QVERIFY(fill(*db, kStudies, 10));
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(kStudies + 10));
        QVERIFY(db->exec("DELETE FROM patients WHERE id > " + std::to_string(kStudies)).ok());  // and their studies
    }

    void twoConnectionsAndTwoProcesses_ShouldShareTheWal()
    {
        const std::string file = path("shared.sqlite");
        const CacheKey key = fixedKey(4);
        auto a = Database::open(file, true, &key);
        QVERIFY(a);
        QVERIFY(migrate(*a).ok());
        auto b = Database::open(file, true, &key);
        QVERIFY(b);
        for (int round = 0; round < 10; ++round) {
            Database& writer = round % 2 ? *b : *a;
            Database& reader = round % 2 ? *a : *b;
            QVERIFY(fill(writer, round * 50, 50));
            QCOMPARE(scalar(reader, "SELECT COUNT(*) FROM studies"), std::int64_t((round + 1) * 50));
        }
        // Another process writes through the same WAL and -shm while both connections are open.
        const pid_t child = ::fork();
        if (child == 0) {
            auto c = Database::open(file, false, &key);
            const bool ok = c && fill(*c, 1000, 200) && scalar(*c, "SELECT COUNT(*) FROM studies") == 700;
            ::_exit(ok ? 0 : 1);
        }
        QVERIFY(child > 0);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        QCOMPARE(scalar(*a, "SELECT COUNT(*) FROM studies"), std::int64_t(700));
        QCOMPARE(scalar(*b, "SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH '\"aneta 1198\"'"), std::int64_t(1));
        QVERIFY(findNeedles(file).empty());
        QCOMPARE(text(*b, "PRAGMA integrity_check"), std::string("ok"));
    }

    void backupOfASealedIndex_ShouldBeSealed()
    {
        const std::string file = path("sealed.sqlite"), copy = path("backup.sqlite");
        const CacheKey key = fixedKey(1);
        auto src = Database::open(file, false, &key);
        QVERIFY(src);
        auto s = snapshotIndex(src->handle(), copy, &key);  // a rollback-journal destination
        QVERIFY2(s, s ? "" : s.error().message.c_str());
        QVERIFY(isSealedDatabaseFile(copy));
        QVERIFY(findNeedles(copy).empty());
        QVERIFY(!Database::open(copy, false));
        auto db = Database::open(copy, false, &key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(kStudies));
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM study_name_trigrams WHERE study_name_trigrams MATCH '\"browski^Ana\"'"),
                 std::int64_t(kStudies - kStudies / 3));
        QCOMPARE(text(*db, "PRAGMA integrity_check"), std::string("ok"));
        // A plain index cannot become sealed this way (no reserved bytes): refused, nothing plain written.
        auto plain = Database::open(path("plain.sqlite"), false);
        QVERIFY(plain);
        const std::string fromPlain = path("from-plain.sqlite");
        QVERIFY(!snapshotIndex(plain->handle(), fromPlain, &key));
        QVERIFY(readAll(fromPlain).find("SQLite format 3") == std::string::npos);
        QVERIFY(findNeedles(fromPlain).empty());
    }

    void rollbackJournal_ShouldBeSealedAndRollBack()
    {
        // A sealed database out of WAL mode: its rollback journal holds sealed page images.
        const std::string file = path("backup.sqlite");
        const CacheKey key = fixedKey(1);
        auto db = Database::open(file, false, &key);
        QVERIFY(db);
        QCOMPARE(text(*db, "PRAGMA journal_mode=PERSIST"), std::string("persist"));
        QVERIFY(db->exec("UPDATE patients SET name = name || ' changed'").ok());
        QVERIFY(db->begin().ok());
        QVERIFY(db->exec("DELETE FROM studies").ok());
        QVERIFY(fileSize(file + "-journal") > 100 * 4096);
        const std::string journal = readAll(file + "-journal");
        for (const std::string& n : kNeedles) QVERIFY2(journal.find(n) == std::string::npos, n.c_str());
        db->rollback();
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(kStudies));
        QCOMPARE(text(*db, "PRAGMA integrity_check"), std::string("ok"));
        QCOMPARE(text(*db, "PRAGMA journal_mode=WAL"), std::string("wal"));
    }

    void flippedByte_ShouldBeAReadError_NotWrongData()
    {
        const std::string file = path("flipped.sqlite");
        const CacheKey key = fixedKey(5);
        std::int64_t root = 0;
        {
            Database db;
            makeIndex(file, &key, db);
            root = scalar(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'patients'");
            QVERIFY(root > 1);
            QVERIFY(scalar(db, "SELECT COUNT(*) FROM patients") == kStudies);
        }  // closed: checkpointed into the database file
        QCOMPARE(fileSize(file + "-wal"), std::int64_t(-1));
        {
            std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
            f.seekg((root - 1) * 4096 + 1000);
            char c = 0;
            f.get(c);
            f.seekp((root - 1) * 4096 + 1000);
            f.put(char(c ^ 0x01));
        }
        auto db = Database::open(file, false, &key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        std::string error;
        // A sum over a column (COUNT(*) could read a smaller index instead of the table).
        QCOMPARE(scalar(*db, "SELECT SUM(LENGTH(name)) FROM patients", &error), std::int64_t(-1));
        QVERIFY2(error.find("disk I/O error") != std::string::npos, error.c_str());
        QVERIFY(text(*db, "PRAGMA integrity_check") != "ok");
        // A flipped byte in page 1: the database does not open.
        *db = Database();
        {
            std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(50);
            f.put('\x55');
        }
        auto again = Database::open(file, false, &key);
        QVERIFY(!again);
        QVERIFY2(again.error().message.find("not a database") != std::string::npos, again.error().message.c_str());
    }

    void crashedWriter_ShouldBeRecoveredFromTheSealedWal()
    {
        // A process commits, then dies without closing: the next opener rebuilds the -shm from the
        // WAL (SQLite's recovery reads whole frames, header and sealed page together). A small page
        // cache makes the big transaction spill, so frames are rewritten within it.
        const std::string file = path("crashed.sqlite");
        const CacheKey key = fixedKey(6);
        const pid_t child = ::fork();
        if (child == 0) {
            auto c = Database::open(file, true, &key);
            const bool ok = c && c->exec("PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=10").ok() && migrate(*c).ok() && fill(*c, 0, 1000) &&
                            fill(*c, 1000, 1);
            ::_exit(ok ? 0 : 1);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        const std::int64_t walSize = fileSize(file + "-wal");
        QVERIFY(walSize > 100 * 4096);
        QVERIFY(findNeedles(file).empty());
        {
            auto db = Database::open(file, false, &key);
            QVERIFY2(db, db ? "" : db.error().message.c_str());
            QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(1001));
            QCOMPARE(text(*db, "PRAGMA integrity_check"), std::string("ok"));
            QVERIFY(db->exec("PRAGMA wal_autocheckpoint=0").ok());
        }
        // Once more, now with the last frame (the last transaction's commit) damaged: the log ends
        // before it, as for a frame torn by a crash, and the earlier transactions are all there.
        const pid_t child2 = ::fork();
        if (child2 == 0) {
            auto c = Database::open(file, false, &key);
            // A log that starts empty: its last frame is then the end of the file.
            const bool ok = c && c->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok() && c->exec("PRAGMA wal_autocheckpoint=0").ok() && fill(*c, 2000, 100) &&
                            fill(*c, 3000, 1);
            ::_exit(ok ? 0 : 1);
        }
        QCOMPARE(::waitpid(child2, &status, 0), child2);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        const std::int64_t size = fileSize(file + "-wal");
        QVERIFY(size > 32 + 4120 && (size - 32) % 4120 == 0);
        {
            std::fstream f(file + "-wal", std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(size - 2000);
            f.put('\x5a');
        }
        auto db = Database::open(file, false, &key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(1101));
        QCOMPARE(text(*db, "PRAGMA integrity_check"), std::string("ok"));
    }

    void crashedRollbackTransaction_ShouldBeRolledBackFromTheSealedJournal()
    {
        const std::string file = path("backup.sqlite");  // a sealed copy made by the backup test
        const CacheKey key = fixedKey(1);
        const pid_t child = ::fork();
        if (child == 0) {
            // Out of WAL mode, a transaction that spills changed pages into the database file, then death.
            sqlite3* c = nullptr;
            registerSealedDatabase(file, key);
            bool ok = sqlite3_open_v2(file.c_str(), &c, SQLITE_OPEN_READWRITE, kSealedVfsName) == SQLITE_OK &&
                      sqlite3_exec(c, "PRAGMA temp_store=MEMORY; PRAGMA journal_mode=DELETE; PRAGMA cache_size=10; BEGIN; "
                                      "UPDATE patients SET name = 'x'; DELETE FROM study_names; DELETE FROM studies;",
                                   nullptr, nullptr, nullptr) == SQLITE_OK;
            ::_exit(ok ? 0 : 1);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        QVERIFY(fileSize(file + "-journal") > 10 * 4096);  // a hot journal
        const std::string journal = readAll(file + "-journal");
        for (const std::string& n : kNeedles) QVERIFY2(journal.find(n) == std::string::npos, n.c_str());
        auto db = Database::open(file, false, &key);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QCOMPARE(fileSize(file + "-journal"), std::int64_t(-1));
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM studies"), std::int64_t(kStudies));
        QCOMPARE(text(*db, "SELECT name FROM patients WHERE patient_id = '" + kPid + "-7'"), kName + " 7 changed");  // as the journal test left it
        QCOMPARE(text(*db, "PRAGMA integrity_check"), std::string("ok"));
    }

    void temporaryFiles_ShouldBeRefusedNotWrittenPlain()
    {
        const std::string file = path("sealed.sqlite");
        const CacheKey key = fixedKey(1);
        auto db = Database::open(file, false, &key);
        QVERIFY(db);
        // A sort too big for memory would spill to a temporary file: temp_store=MEMORY keeps it in memory.
        std::string error;
        QCOMPARE(scalar(*db, "SELECT COUNT(*) FROM (SELECT name FROM patients ORDER BY name || random())", &error), std::int64_t(kStudies));
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(db->exec("PRAGMA temp_store=FILE").ok());
        QVERIFY(db->exec("PRAGMA cache_size=10").ok());
        const std::int64_t n = scalar(*db, "SELECT COUNT(*) FROM (SELECT p.name FROM patients p, patients q WHERE q.id < 40 ORDER BY p.name || random())", &error);
        // Either SQLite kept it in memory, or the temporary file was refused: never a plain file.
        QVERIFY2(n == std::int64_t(kStudies) * 39 || error.find("unable to open") != std::string::npos, error.c_str());
        qInfo("temp_store=FILE sort: %s", n >= 0 ? "kept in memory" : error.c_str());
    }
};

QTEST_GUILESS_MAIN(SealedIndexTest)
#include "test_sealed_index.moc"
