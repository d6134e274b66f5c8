// The study browser's actions on selected studies: the context menus (local and archive
// results), export, and what became of an export. Split from study_browser.cpp (search, results,
// import, cache settings).
#include "study_browser.h"
#include "study_browser_tree.h"

#include "auditor.h"
#include "export_dialog.h"
#include "network_service.h"
#include "study_keeping.h"
#include "transfer_tasks.h"

#include <QAction>
#include <QMenu>
#include <QMessageBox>
#include <QTreeWidget>

namespace lightbox::app {

using namespace browser_tree;

void StudyBrowser::remoteMenu(QMenu& menu, const QString& studyUid)
{
    menu.addAction(tr("Retrieve"), this, [this, studyUid] { retrieveStudy(studyUid, false); });
    menu.addAction(tr("Retrieve and open"), this, [this, studyUid] { retrieveStudy(studyUid, true); });
    const ArchiveEntry* archive = m_network->config().find(source());
    if (!archive) return;
    QMenu* with = menu.addMenu(tr("Retrieve with"));
    struct M { const char* name; RetrieveMethod m; bool ok; };
    for (const M& m : {M{"C-GET", RetrieveMethod::Get, archive->hasDimse()}, M{"C-MOVE", RetrieveMethod::Move, archive->hasDimse()},
                       M{"WADO-RS", RetrieveMethod::Wado, archive->hasWeb()}}) {
        QAction* a = with->addAction(m.name, this, [this, studyUid, archive, m] {
            m_network->enqueueRetrieve(archive->name, studyUid, {}, studyUid, m.m);
        });
        a->setEnabled(m.ok);
    }
}

void StudyBrowser::contextMenu(const QPoint& pos)
{
    QTreeWidgetItem* item = m_tree->itemAt(pos);
    if (!item) return;
    if (item->data(0, RoleKind).toInt() == KindPatient) {
        QMenu menu(this);
        patientMenu(menu, item->text(ColId), item->text(ColName));
        if (!menu.isEmpty()) menu.exec(m_tree->viewport()->mapToGlobal(pos));
        return;
    }
    const QString studyUid = item->data(0, RoleStudy).toString();
    if (item->data(0, RoleRemote).toBool()) {
        QMenu menu(this);
        remoteMenu(menu, studyUid);
        menu.exec(m_tree->viewport()->mapToGlobal(pos));
        return;
    }
    QTreeWidgetItem* studyItem = item->data(0, RoleKind).toInt() == KindSeries ? item->parent() : item;
    const bool pinned = studyItem->data(0, RolePinned).toBool();
    QMenu menu(this);
    menu.addAction(tr("Open"), this, [this, item] { emit m_tree->itemDoubleClicked(item, 0); });
    menu.addAction(tr("Read with hanging protocol"), this, [this, studyUid] { emit readRequested(studyUid); });
    menu.addAction(pinned ? tr("Unpin (allow eviction)") : tr("Pin (never evict)"), this, [this, studyUid, pinned] {
        auto* w = new QFutureWatcher<QString>(this);
        connect(w, &QFutureWatcher<QString>::finished, this, [this, w] {
            w->deleteLater();
            if (!w->result().isEmpty()) emit message(w->result());
            refresh();
        });
        w->setFuture(m_cache.setPinned(studyUid, !pinned));
    });
    const QString patientId = studyItem->parent() ? studyItem->parent()->text(ColId) : QString();
    const auto auditor = security::currentAuditor();
    const bool mayKeep = !auditor || auditor->identity().may(security::Permission::Import);
    if (mayKeep && studyItem->data(0, RoleOffline).toBool())
        menu.addAction(tr("Release offline hold"), this, [this, studyUid] { releaseOffline({}, studyUid); });
    else if (mayKeep && m_network)
        menu.addAction(tr("Keep offline (never evict until released)"), this, [this, studyUid, patientId] {
            m_network->enqueueTask(tr("offline"), {}, tr("Keep offline: %1").arg(studyLabel(studyUid)),
                                   offlineStudyTask(m_network->config(), m_cache.folder(), studyUid, patientId, currentUser()), true);
        });
    if (m_network && !m_network->config().archives.empty()) {
        // Through the outbox: exactly once, and kept on the disk while the archive cannot take it.
        QMenu* send = menu.addMenu(tr("Send to"));
        const QString label = (studyItem->parent() ? studyItem->parent()->text(ColName) + " — " : QString()) + studyItem->text(ColName);
        for (const ArchiveEntry& e : m_network->config().archives) {
            const QString name = e.name;
            const auto queue = [this, name, studyUid, label](bool stow) {
                m_network->enqueueTask(stow ? tr("outbox, STOW-RS") : tr("outbox, C-STORE"), name, label,
                                       outboxSendTask(m_network->config(), m_cache.folder(), name, studyUid, stow), false);
            };
            if (e.hasDimse()) send->addAction(tr("%1 (C-STORE)").arg(name), this, [queue] { queue(false); });
            if (e.hasWeb()) send->addAction(tr("%1 (STOW-RS)").arg(name), this, [queue] { queue(true); });
        }
    }
    if (m_network) {
        const QStringList studies = selectedStudies(studyItem);
        const QString what = studies.size() == 1 ? studyLabel(studyUid) : tr("%1 studies").arg(studies.size());
        menu.addAction(studies.size() == 1 ? tr("Export…") : tr("Export %1 studies…").arg(studies.size()), this,
                       [this, studies, what] { exportStudies(studies, what); });
    }
    menu.addSeparator();
    QAction* remove = menu.addAction(tr("Delete from cache…"), this, [this, studyUid, studyItem] {
        if (QMessageBox::question(this, tr("Delete study"),
                                  tr("Delete the study \"%1\" and its files from the local cache?").arg(studyItem->text(ColName))) !=
            QMessageBox::Yes)
            return;
        auto* w = new QFutureWatcher<QString>(this);
        connect(w, &QFutureWatcher<QString>::finished, this, [this, w] {
            w->deleteLater();
            emit message(w->result().isEmpty() ? tr("Study deleted.") : w->result());
            refresh();
        });
        w->setFuture(m_cache.deleteStudy(studyUid));
    });
    // Greyed for whoever may not (the cache's gate refuses it anyway).
    if (const auto auditor = security::currentAuditor(); auditor && !auditor->identity().may(security::Permission::Delete)) {
        remove->setEnabled(false);
        remove->setToolTip(tr("Your role may not delete studies"));
    }
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

QString StudyBrowser::currentUser()
{
    const auto auditor = security::currentAuditor();
    return QString::fromStdString(auditor ? auditor->identity().user : security::systemUser());
}

// A patient's row: every study of theirs (on the archives too) made available offline, or released.
void StudyBrowser::patientMenu(QMenu& menu, const QString& patientId, const QString& name)
{
    if (patientId.isEmpty()) return;
    // Kept against the quota: as bringing studies in, for whoever may import.
    if (const auto auditor = security::currentAuditor(); auditor && !auditor->identity().may(security::Permission::Import)) return;
    if (m_network)
        menu.addAction(tr("Make available offline (every study on the archives)"), this, [this, patientId, name] {
            m_network->enqueueTask(tr("offline"), {}, tr("Offline: %1 (%2)").arg(name, patientId),
                                   offlinePatientTask(m_network->config(), m_cache.folder(), patientId, currentUser()), true);
        });
    menu.addAction(tr("Release offline holds"), this, [this, patientId] { releaseOffline(patientId, {}); });
}

// Releases the "offline" holds of a patient or of one study, on the pool.
void StudyBrowser::releaseOffline(const QString& patientId, const QString& studyUid)
{
    auto* w = new QFutureWatcher<void>(this);
    auto released = std::make_shared<int>(0);
    connect(w, &QFutureWatcher<void>::finished, this, [this, w, released] {
        w->deleteLater();
        emit message(tr("%n studies no longer kept offline.", nullptr, *released));
        refresh();
    });
    w->setFuture(m_cache.runWithCache([patientId, studyUid, released](storage::Cache* cache) {
        if (!cache) return;
        auto n = patientId.isEmpty() ? cache->holds().release(kOfflineHolder, studyUid.toStdString())
                                     : cache->holds().releasePatient(kOfflineHolder, patientId.toStdString());
        if (n) *released = *n;
    }));
}

// "PATIENT — study" as the list shows it.
QString StudyBrowser::studyLabel(const QString& studyUid) const
{
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
        if ((*it)->data(0, RoleKind).toInt() == KindStudy && (*it)->data(0, RoleStudy).toString() == studyUid)
            return ((*it)->parent() ? (*it)->parent()->text(ColName) + " — " : QString()) + (*it)->text(ColName);
    return studyUid;
}

void StudyBrowser::exportSelected()
{
    QStringList studies;
    for (QTreeWidgetItem* item : m_tree->selectedItems()) {
        const QString uid = item->data(0, RoleStudy).toString();
        if (!item->data(0, RoleRemote).toBool() && item->data(0, RoleKind).toInt() != KindPatient && !uid.isEmpty() && !studies.contains(uid))
            studies << uid;
    }
    if (studies.isEmpty()) {
        emit message(tr("Select the cached studies to export in the study list first."));
        return;
    }
    exportStudies(studies, studies.size() == 1 ? studyLabel(studies.front()) : tr("%1 studies").arg(studies.size()));
}

// The cached studies selected, with the one clicked; just the one clicked when it is not selected.
QStringList StudyBrowser::selectedStudies(QTreeWidgetItem* clicked) const
{
    const QString one = clicked->data(0, RoleStudy).toString();
    QStringList out;
    for (QTreeWidgetItem* item : m_tree->selectedItems()) {
        if (item->data(0, RoleRemote).toBool() || item->data(0, RoleKind).toInt() == KindPatient) continue;
        const QString uid = item->data(0, RoleStudy).toString();
        if (!uid.isEmpty() && !out.contains(uid)) out << uid;
    }
    return out.contains(one) ? out : QStringList{one};
}

void StudyBrowser::exportStudies(const QStringList& studyUids, const QString& what)
{
    if (!m_network || studyUids.isEmpty()) return;
    std::vector<std::string> uids;
    for (const QString& u : studyUids) uids.push_back(u.toStdString());
    auto* dialog = new ExportDialog(m_cache.folder(), uids, what, m_network->config(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, what] { m_network->enqueueExport(dialog->spec(), what); });
    dialog->open();
}

// What was exported, or why not, with the instances refused for burned-in text in the details.
void StudyBrowser::showExportOutcome(int transferId)
{
    const Transfer* t = m_network->transfer(transferId);
    const bool ok = t->state == Transfer::State::Done;
    auto* box = new QMessageBox(ok ? QMessageBox::Information : QMessageBox::Warning, tr("Export"),
                                tr("Export of %1: %2").arg(t->label, t->status), QMessageBox::Ok, this);
    box->setObjectName("exportOutcome");
    if (!t->details.isEmpty()) {
        box->setInformativeText(tr("Images that may show burned-in identifying text are refused unless rectangles to blank are given:\n%1")
                                    .arg(t->details.mid(0, 5).join('\n')));
        box->setDetailedText(t->details.join('\n'));
    }
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    emit message(box->text());
}

}  // namespace lightbox::app
