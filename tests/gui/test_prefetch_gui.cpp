// Prefetch in the GUI (issue 12, point 3) under a real X server. The Prefetch rules dialog: the
// shipped default shown when there is no file; a rule added, every field of it filled through
// its widgets, moved above the default, and saved: the file (0600) read back by PrefetchRules::load
// holds every field; saving is audited. A window "25:00-06:00" or an empty name is refused with a
// message and the file is not touched; a user who may not change settings sees the rules but
// cannot save them. The Transfers panel's prefetch part: tasks put in a real work queue are shown
// with their states and a summary line, a change made in the queue by another process appears on
// the next refresh, and Retry queues a failed task again. Screenshots in the build folder.
#include "test_support.h"

#include "audit_log.h"
#include "auditor.h"
#include "cache_service.h"
#include "network_service.h"
#include "prefetch_progress.h"
#include "prefetch_rule_form.h"
#include "prefetch_rules.h"
#include "prefetch_rules_dialog.h"
#include "transfer_panel.h"
#include "work_queue.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;
using lightbox::app::PrefetchRule;
using lightbox::app::PrefetchRules;
using lightbox::app::PrefetchTask;

namespace {

template <class W>
W* child(QWidget* in, const char* name)
{
    W* w = in->findChild<W*>(name);
    if (!w) qWarning("no widget %s", name);
    return w;
}

QByteArray contents(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void screenshot(QWidget& w, const QString& name)
{
    QCoreApplication::processEvents();
    w.grab().save(QCoreApplication::applicationDirPath() + "/" + name);
}

}  // namespace

class PrefetchGuiTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void theDialogSavesEveryField();
    void mistakesAreRefusedAndTheFileKept();
    void withoutThePermissionTheRulesAreOnlyShown();
    void theTransfersPanelShowsPrefetchTasks();

private:
    QStringList shownTasks(QTableWidget* t);
    QTemporaryDir m_tmp;
    QString m_rules, m_security;
    QThreadPool m_pool;
};

void PrefetchGuiTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_rules = m_tmp.path() + "/config/prefetch.json";
    m_security = m_tmp.path() + "/security";
}

void PrefetchGuiTest::theDialogSavesEveryField()
{
    security::installAuditor(std::make_shared<security::Auditor>(m_security.toStdString(), security::Identity{"ada", security::Role::Administrator, true},
                                                                 "test_prefetch_gui"));
    app::PrefetchRulesDialog dialog(m_rules);
    dialog.show();
    auto* list = child<QListWidget>(&dialog, "rules");
    QVERIFY(list);
    // No file yet: the shipped default.
    QCOMPARE(list->count(), 1);
    QCOMPARE(list->item(0)->text(), QString("default"));
    app::PrefetchRuleForm* form = dialog.form();
    QCOMPARE(child<QSpinBox>(form, "priors")->value(), 2);
    QCOMPARE(child<QSpinBox>(form, "maxAge")->value(), 5);
    QVERIFY(child<QCheckBox>(form, "sameModality")->isChecked());

    QTest::mouseClick(child<QPushButton>(&dialog, "add"), Qt::LeftButton);
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->currentRow(), 1);
    auto* name = child<QLineEdit>(form, "name");
    name->selectAll();
    QTest::keyClicks(name, "chest");
    QCOMPARE(list->item(1)->text(), QString("chest"));
    QTest::keyClicks(child<QLineEdit>(form, "modalities"), "CT, DX");
    QTest::keyClicks(child<QLineEdit>(form, "senders"), "ris");
    child<QCheckBox>(form, "current")->setChecked(false);
    child<QSpinBox>(form, "priors")->setValue(4);
    child<QSpinBox>(form, "maxAge")->setValue(3);
    child<QCheckBox>(form, "sameModality")->setChecked(false);
    child<QCheckBox>(form, "sameBodyPart")->setChecked(true);
    child<QCheckBox>(form, "relatedProcedure")->setChecked(true);
    auto* procedures = child<QTableWidget>(form, "procedures");
    QTest::mouseClick(child<QPushButton>(form, "addProcedure"), Qt::LeftButton);
    QCOMPARE(procedures->rowCount(), 1);
    procedures->item(0, 0)->setText("CTCHEST");
    procedures->item(0, 1)->setText("XRCHEST, CTCAP");
    child<QSpinBox>(form, "leadHours")->setValue(12);
    QTest::keyClicks(child<QLineEdit>(form, "windows"), "19:00-07:00, 12:00-13:30");
    child<QSpinBox>(form, "bandwidth")->setValue(5000000);
    // First match applies: the chest rule goes above the default, which is then changed too.
    QTest::mouseClick(child<QPushButton>(&dialog, "up"), Qt::LeftButton);
    QCOMPARE(list->item(0)->text(), QString("chest"));
    QCOMPARE(list->currentRow(), 0);
    list->setCurrentRow(1);
    QCOMPARE(name->text(), QString("default"));
    child<QSpinBox>(form, "priors")->setValue(3);
    list->setCurrentRow(0);
    QCOMPARE(child<QSpinBox>(form, "leadHours")->value(), 12);  // the moved rule kept what was typed
    screenshot(dialog, "prefetch_rules_dialog.png");

    QCOMPARE(dialog.save(), QString());
    const QFileDevice::Permissions mode = QFile::permissions(m_rules);
    QVERIFY(mode.testFlag(QFileDevice::ReadOwner) && mode.testFlag(QFileDevice::WriteOwner));
    QVERIFY(!(mode & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther)));
    auto saved = PrefetchRules::load(m_rules);
    QVERIFY2(saved, saved ? "" : saved.error().message.c_str());
    QCOMPARE(saved->rules.size(), std::size_t(2));
    const PrefetchRule& chest = saved->rules[0];
    QCOMPARE(chest.name, QString("chest"));
    QCOMPARE(chest.modalities, (QStringList{"CT", "DX"}));
    QCOMPARE(chest.senders, QStringList{"ris"});
    QCOMPARE(chest.current, false);
    QCOMPARE(chest.priors, 4);
    QCOMPARE(chest.maxAgeYears, 3);
    QVERIFY(!chest.sameModality && chest.sameBodyPart && chest.relatedProcedure);
    QCOMPARE(chest.relatedProcedures.size(), std::size_t(1));
    QCOMPARE(chest.relatedProcedures.at("CTCHEST"), (QStringList{"XRCHEST", "CTCAP"}));
    QCOMPARE(chest.leadHours, 12);
    QCOMPARE(chest.windows.size(), std::size_t(2));
    QCOMPARE(chest.windows[0].from, QTime(19, 0));
    QCOMPARE(chest.windows[0].to, QTime(7, 0));
    QCOMPARE(chest.windows[1].from, QTime(12, 0));
    QCOMPARE(chest.windows[1].to, QTime(13, 30));
    QCOMPARE(chest.maxBytesPerSecond, qint64(5000000));
    const PrefetchRule& fallback = saved->rules[1];
    QCOMPARE(fallback.name, QString("default"));
    QCOMPARE(fallback.priors, 3);
    QVERIFY(fallback.current && fallback.sameModality && !fallback.sameBodyPart && fallback.windows.empty());
    // Audited as a settings change, by whom.
    security::currentAuditor()->flush();
    auto records = security::AuditLog(m_security.toStdString()).read();
    QVERIFY(records);
    bool audited = false;
    for (const security::AuditRecord& r : *records)
        audited = audited || (r.entry.user == "ada" && r.entry.event.find("Software Configuration: prefetch rules saved to " + m_rules.toStdString()) != std::string::npos);
    QVERIFY(audited);
    security::installAuditor(nullptr);
}

void PrefetchGuiTest::mistakesAreRefusedAndTheFileKept()
{
    const QByteArray before = contents(m_rules);
    QVERIFY(!before.isEmpty());
    app::PrefetchRulesDialog dialog(m_rules);
    dialog.show();
    auto* list = child<QListWidget>(&dialog, "rules");
    QCOMPARE(list->count(), 2);  // the file's rules, not the default
    QCOMPARE(list->item(0)->text(), QString("chest"));
    auto* windows = child<QLineEdit>(dialog.form(), "windows");
    QCOMPARE(windows->text(), QString("19:00-07:00, 12:00-13:30"));
    windows->setText("25:00-06:00");
    list->setCurrentRow(1);  // the mistake is in another rule than the one shown
    const QString problem = dialog.save();
    QCOMPARE(list->currentRow(), 0);  // the rule at fault is shown again
    QCOMPARE(windows->text(), QString("25:00-06:00"));
    QVERIFY2(problem.contains("25:00") && problem.contains("chest"), qPrintable(problem));
    QCOMPARE(child<QLabel>(&dialog, "problem")->text(), problem);
    screenshot(dialog, "prefetch_rules_dialog_refused.png");
    QCOMPARE(contents(m_rules), before);
    windows->setText("19:00-07:00");
    child<QLineEdit>(dialog.form(), "name")->clear();
    QVERIFY2(dialog.save().contains("name"), qPrintable(dialog.problem()));
    QCOMPARE(contents(m_rules), before);
}

void PrefetchGuiTest::withoutThePermissionTheRulesAreOnlyShown()
{
    const QByteArray before = contents(m_rules);
    security::installAuditor(std::make_shared<security::Auditor>(m_security.toStdString(), security::Identity{"tina", security::Role::Technologist, true},
                                                                 "test_prefetch_gui"));
    app::PrefetchRulesDialog dialog(m_rules);
    dialog.show();
    QVERIFY(!dialog.form()->isEnabled());
    QVERIFY(!child<QPushButton>(&dialog, "add")->isEnabled());
    QVERIFY2(dialog.problem().contains("permission"), qPrintable(dialog.problem()));
    // Saving is refused by the rules' one way to the disk, whoever calls it.
    QVERIFY2(dialog.save().contains("tina"), qPrintable(dialog.problem()));
    QCOMPARE(contents(m_rules), before);
    security::installAuditor(nullptr);
}

QStringList PrefetchGuiTest::shownTasks(QTableWidget* t)
{
    // Order (accession), kind, state, instances, as the table shows them.
    QStringList out;
    for (int r = 0; r < t->rowCount(); ++r)
        out << QStringList{t->item(r, 0)->text().section(" · ", 0, 0), t->item(r, 2)->text(), t->item(r, 4)->text(), t->item(r, 5)->text()}.join(" ");
    return out;
}

void PrefetchGuiTest::theTransfersPanelShowsPrefetchTasks()
{
    const QString cache = m_tmp.path() + "/cache", config = m_tmp.path() + "/lightbox.json";
    for (const QString accession : {"ACC-G1", "ACC-G2"}) {
        const ProcessResult r = run(lightboxExe(), {"worklist", "add", "--patient-id", "PG-" + accession, "--patient-name", "GUI^" + accession, "--modality",
                                                    "CT", "--accession", accession, "--config", config, "--cache", cache});
        QVERIFY2(r.ok(), r.err.constData());
    }
    auto opened = app::WorkQueue::open(cache);
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    app::WorkQueue& queue = **opened;
    const std::vector<app::StoredOrder> orders = queue.orders();
    QCOMPARE(orders.size(), std::size_t(2));
    const auto task = [](std::int64_t order, const char* kind, const char* uid, int rank, PrefetchTask::State state) {
        PrefetchTask t;
        t.orderId = order;
        t.kind = kind;
        t.studyUid = uid;
        t.archive = "pacs";
        t.reason = kind + QString(" study");
        t.rank = rank;
        t.state = state;
        return t;
    };
    QVERIFY(queue.addTask(task(orders[0].id, "current", "1.2.826.0.1.1", 0, PrefetchTask::State::Queued)));
    QVERIFY(queue.addTask(task(orders[0].id, "prior", "1.2.826.0.1.2", 1, PrefetchTask::State::Queued)));
    QVERIFY(queue.addTask(task(orders[0].id, "prior", "1.2.826.0.1.3", 2, PrefetchTask::State::Skipped)));
    const auto running = queue.claimNext();  // the current study of ACC-G1, as a prefetcher would
    QVERIFY(running && running->studyUid == "1.2.826.0.1.1");
    QVERIFY(queue.addTask(task(orders[1].id, "current", "1.2.826.0.2.1", 0, PrefetchTask::State::Queued)));
    const std::int64_t failing = queue.tasks(orders[1].id).front().id;
    QVERIFY(queue.finish(failing, PrefetchTask::State::Failed, "archive pacs cannot be reached", 2));

    app::CacheService service(cache, m_pool);
    app::NetworkService network(config, cache);
    app::TransferPanel panel(network);
    app::PrefetchProgress* prefetch = panel.showPrefetch(service);
    QCOMPARE(panel.showPrefetch(service), prefetch);  // once
    panel.resize(1200, 520);
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(shownTasks(prefetch->table()),
                              (QStringList{"ACC-G1 current running 0", "ACC-G1 prior queued 0", "ACC-G2 current failed 2", "ACC-G1 prior skipped 0"}), 15000);
    QCOMPARE(prefetch->summary(), QString("Prefetch: 1 running, 1 queued, 0 done today, 1 failed, 1 found cached today"));
    QCOMPARE(prefetch->table()->item(2, 6)->text(), QString("archive pacs cannot be reached"));
    screenshot(panel, "transfers_prefetch.png");

    // The service finishes the running one: seen on a later refresh, without anyone asking.
    QVERIFY(queue.finish(running->id, PrefetchTask::State::Done, {}, 30));
    QTRY_COMPARE_WITH_TIMEOUT(prefetch->summary(), QString("Prefetch: 0 running, 1 queued, 1 done today, 1 failed, 1 found cached today"), 15000);
    QCOMPARE(shownTasks(prefetch->table()),
             (QStringList{"ACC-G1 prior queued 0", "ACC-G2 current failed 2", "ACC-G1 current done 30", "ACC-G1 prior skipped 0"}));

    // Retry: only a failed task; it is queued again at once.
    prefetch->table()->selectRow(0);
    QSignalSpy said(prefetch, &app::PrefetchProgress::message);
    QTest::mouseClick(prefetch->retryButton(), Qt::LeftButton);
    QCOMPARE(said.size(), 1);
    prefetch->table()->selectRow(1);
    QTest::mouseClick(prefetch->retryButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(prefetch->summary(), QString("Prefetch: 0 running, 2 queued, 1 done today, 0 failed, 1 found cached today"), 15000);
    const PrefetchTask again = queue.tasks(orders[1].id).front();
    QCOMPARE(again.state, PrefetchTask::State::Queued);
    QCOMPARE(again.attempts, 0);
    QCOMPARE(again.notBefore, std::int64_t(0));
    QVERIFY(!queue.retryFailed(again.id));  // not failed any more
}

QTEST_MAIN(PrefetchGuiTest)
#include "test_prefetch_gui.moc"
