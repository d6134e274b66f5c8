#include "study_browser.h"
#include "study_browser_tree.h"

#include "auditor.h"

#include "dicom_text.h"
#include "export_dialog.h"
#include "network_service.h"
#include "overlay_text.h"

#include <QComboBox>
#include <QDateEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPointer>
#include <QPushButton>
#include <QStyle>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace lightbox::app {

using namespace browser_tree;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString sizeText(std::int64_t b)
{
    if (b >= (std::int64_t(1) << 30)) return QString::number(double(b) / (1 << 30), 'f', 1) + " GiB";
    if (b >= (1 << 20)) return QString::number(double(b) / (1 << 20), 'f', 1) + " MiB";
    return QString::number(double(b) / 1024, 'f', 0) + " KiB";
}

QString dicomDate(const QDate& d) { return d.toString("yyyyMMdd"); }

}  // namespace

StudyBrowser::StudyBrowser(CacheService& cache, QWidget* parent) : QWidget(parent), m_cache(cache)
{
    setAcceptDrops(true);
    QLayout* filters = buildSearchRow();
    buildTree();
    QLayout* bottom = buildBottomRow();

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_tree, 1);
    layout->addLayout(bottom);

    connectSearchFields();
    connect(&m_import, &QFutureWatcher<storage::ImportReport>::progressRangeChanged, m_progress, &QProgressBar::setRange);
    connect(&m_import, &QFutureWatcher<storage::ImportReport>::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_import, &QFutureWatcher<storage::ImportReport>::finished, this, &StudyBrowser::onImportFinished);
    refresh();
}

// The search fields: where to search (the cache or an archive), patient, modality, dates.
QLayout* StudyBrowser::buildSearchRow()
{
    m_source = new QComboBox(this);
    m_source->addItem(tr("Local cache"), QString());
    m_source->setToolTip(tr("Where to search: the local cache or an archive"));
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("Patient name (e.g. doe*, 山田*)"));
    m_id = new QLineEdit(this);
    m_id->setPlaceholderText(tr("Patient ID"));
    m_accession = new QLineEdit(this);
    m_accession->setPlaceholderText(tr("Accession"));
    m_modality = new QComboBox(this);
    m_modality->addItem(tr("All modalities"), QString());
    for (const char* m : {"CT", "MR", "CR", "DX", "MG", "US", "PT", "NM", "XA", "RF", "OT", "SC", "SR", "PR"}) m_modality->addItem(m, QString(m));
    m_dateRange = new QComboBox(this);
    m_dateRange->addItems({tr("Any date"), tr("Today"), tr("Yesterday"), tr("Last 7 days"), tr("Last 30 days"), tr("Last year"), tr("Between…")});
    m_from = new QDateEdit(this);
    m_to = new QDateEdit(this);
    for (QDateEdit* d : {m_from, m_to}) {
        d->setCalendarPopup(true);
        d->setDisplayFormat("yyyy-MM-dd");
        d->setDate(QDate::currentDate());
        d->setEnabled(false);
    }
    m_description = new QLineEdit(this);
    m_description->setPlaceholderText(tr("Study description"));
    auto* searchButton = new QPushButton(tr("Search"), this);
    auto* clearButton = new QPushButton(tr("Clear"), this);

    auto* filters = new QHBoxLayout;
    for (QWidget* w : std::initializer_list<QWidget*>{m_source, m_name, m_id, m_accession, m_modality, m_dateRange, m_from, m_to, m_description, searchButton,
                                                      clearButton})
        filters->addWidget(w);
    m_name->setMinimumWidth(220);
    m_description->setMinimumWidth(160);
    filters->setStretch(1, 4);
    filters->setStretch(2, 2);
    filters->setStretch(3, 2);
    filters->setStretch(8, 3);
    connect(searchButton, &QPushButton::clicked, this, &StudyBrowser::refresh);
    connect(clearButton, &QPushButton::clicked, this, [this] { setQuery({}); });
    return filters;
}

void StudyBrowser::buildTree()
{
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels({tr("Patient / Study / Series"), tr("Patient ID"), tr("Birth date"), tr("Study date"), tr("Description"),
                             tr("Modality"), tr("Accession"), tr("Images"), tr("Size"), tr("Status")});
    m_tree->setIconSize(QSize(48, 48));
    m_tree->setUniformRowHeights(false);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_tree->header()->setSectionResizeMode(ColDescription, QHeaderView::Stretch);
    m_tree->header()->setMinimumSectionSize(40);
    connect(m_tree, &QTreeWidget::itemExpanded, this, [this](QTreeWidgetItem* item) {
        if (item->data(0, RoleKind).toInt() == KindStudy) loadSeries(item);
    });
    connect(m_tree, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        const int kind = item->data(0, RoleKind).toInt();
        if (kind == KindPatient) return;
        if (item->data(0, RoleRemote).toBool() && !item->data(0, RoleComplete).toBool()) {
            retrieveStudy(item->data(0, RoleStudy).toString(), true);  // opened once it is in the cache
            return;
        }
        QTreeWidgetItem* study = kind == KindSeries ? item->parent() : item;
        const QString title = study->parent() ? study->parent()->text(ColName) : QString();
        emit openRequested(item->data(0, RoleStudy).toString(), item->data(0, RoleSeries).toString(), title);
    });
    connect(m_tree, &QTreeWidget::customContextMenuRequested, this, &StudyBrowser::contextMenu);
}

// Import, verify and the cache's settings; the progress of an import and what it found.
QLayout* StudyBrowser::buildBottomRow()
{
    auto* importFiles = new QPushButton(tr("Import files…"), this);
    auto* importFolder = new QPushButton(tr("Import folder…"), this);
    auto* verify = new QPushButton(tr("Verify cache"), this);
    auto* settings = new QPushButton(tr("Cache settings…"), this);
    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    m_progress->setMaximumWidth(260);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setVisible(false);
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* bottom = new QHBoxLayout;
    for (QWidget* w : std::initializer_list<QWidget*>{importFiles, importFolder, verify, settings, m_progress, m_cancel}) bottom->addWidget(w);
    bottom->addWidget(m_status, 1);
    connect(importFiles, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Import DICOM files, DICOMDIRs or ZIP archives"));
        if (!files.isEmpty()) importPaths(files);
    });
    connect(importFolder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a folder (CD, DVD, USB or any folder)"));
        if (!dir.isEmpty()) importPaths({dir});
    });
    connect(verify, &QPushButton::clicked, this, &StudyBrowser::runVerify);
    connect(settings, &QPushButton::clicked, this, &StudyBrowser::editSettings);
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_import.cancel(); });
    return bottom;
}

// Typing in a field or changing a date searches a moment later (one search for a burst of
// changes); a choice in a list, at once.
void StudyBrowser::connectSearchFields()
{
    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(250);
    connect(m_debounce, &QTimer::timeout, this, &StudyBrowser::refresh);
    for (QLineEdit* e : {m_name, m_id, m_accession, m_description}) {
        connect(e, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
        connect(e, &QLineEdit::returnPressed, this, &StudyBrowser::refresh);
    }
    connect(m_modality, &QComboBox::currentIndexChanged, this, &StudyBrowser::refresh);
    connect(m_source, &QComboBox::currentIndexChanged, this, &StudyBrowser::refresh);
    connect(m_dateRange, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_from->setEnabled(i == 6);
        m_to->setEnabled(i == 6);
        refresh();
    });
    connect(m_from, &QDateEdit::dateChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_to, &QDateEdit::dateChanged, m_debounce, qOverload<>(&QTimer::start));
}

int StudyBrowser::studyCount() const { return m_studies; }

storage::StudyQuery StudyBrowser::currentQuery() const
{
    storage::StudyQuery q;
    q.patientName = m_name->text().trimmed().toStdString();
    q.patientId = m_id->text().trimmed().toStdString();
    q.accession = m_accession->text().trimmed().toStdString();
    q.modality = m_modality->currentData().toString().toStdString();
    q.description = m_description->text().trimmed().toStdString();
    const QDate today = QDate::currentDate();
    switch (m_dateRange->currentIndex()) {
    case 1: q.fromDate = q.toDate = dicomDate(today).toStdString(); break;
    case 2: q.fromDate = q.toDate = dicomDate(today.addDays(-1)).toStdString(); break;
    case 3: q.fromDate = dicomDate(today.addDays(-6)).toStdString(); break;
    case 4: q.fromDate = dicomDate(today.addDays(-29)).toStdString(); break;
    case 5: q.fromDate = dicomDate(today.addYears(-1)).toStdString(); break;
    case 6:
        q.fromDate = dicomDate(m_from->date()).toStdString();
        q.toDate = dicomDate(m_to->date()).toStdString();
        break;
    default: break;
    }
    q.limit = 500;
    return q;
}

void StudyBrowser::setQuery(const storage::StudyQuery& query)
{
    const QSignalBlocker b1(m_name), b2(m_id), b3(m_accession), b4(m_description), b5(m_modality), b6(m_dateRange);
    m_name->setText(q(query.patientName));
    m_id->setText(q(query.patientId));
    m_accession->setText(q(query.accession));
    m_description->setText(q(query.description));
    const int m = m_modality->findData(q(query.modality));
    m_modality->setCurrentIndex(m < 0 ? 0 : m);
    m_dateRange->setCurrentIndex(0);
    refresh();
}

QString StudyBrowser::source() const { return m_source->currentData().toString(); }

bool StudyBrowser::setSource(const QString& archive)
{
    const int i = m_source->findData(archive);
    if (i < 0) return false;
    m_source->setCurrentIndex(i);
    return true;
}

void StudyBrowser::setNetwork(NetworkService* network)
{
    m_network = network;
    refreshSources();
    connect(network, &NetworkService::cacheChanged, this, [this] {
        if (source().isEmpty()) refresh();
    });
    connect(network, &NetworkService::transferFinished, this, [this](int id) {
        if (const Transfer* t = m_network->transfer(id); t && t->kind == Transfer::Kind::Export) showExportOutcome(id);
    });
}

void StudyBrowser::refreshSources()
{
    const QString current = source();
    const QSignalBlocker block(m_source);
    m_source->clear();
    m_source->addItem(tr("Local cache"), QString());
    if (m_network)
        for (const ArchiveEntry& e : m_network->config().archives) m_source->addItem(tr("Archive: %1").arg(e.name), e.name);
    const int i = m_source->findData(current);
    m_source->setCurrentIndex(i < 0 ? 0 : i);
}

int StudyBrowser::retrieveStudy(const QString& studyUid, bool open)
{
    if (!m_network || source().isEmpty()) return 0;
    const ArchiveEntry* archive = m_network->config().find(source());
    if (!archive) return 0;
    QString label = studyUid;
    QTreeWidgetItemIterator it(m_tree);
    for (; *it; ++it)
        if ((*it)->data(0, RoleKind).toInt() == KindStudy && (*it)->data(0, RoleStudy).toString() == studyUid) label = (*it)->data(0, RoleLabel).toString();
    const int id = m_network->enqueueRetrieve(archive->name, studyUid, {}, label, NetworkService::defaultMethod(*archive));
    emit message(tr("Retrieving %1 from %2…").arg(label, archive->name));
    if (open) {
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(m_network, &NetworkService::transferFinished, this, [this, id, studyUid, once](int done, bool ok) {
            if (done != id) return;
            disconnect(*once);
            if (ok) emit openRequested(studyUid, {}, {});
            refresh();
        });
    }
    return id;
}

void StudyBrowser::refresh()
{
    const int generation = ++m_searchGeneration;
    if (m_network && !source().isEmpty()) {
        m_status->setText(tr("Searching %1…").arg(source()));
        using Found = Result<std::vector<RemoteStudy>>;
        auto* watcher = new QFutureWatcher<Found>(this);
        connect(watcher, &QFutureWatcher<Found>::finished, this, [this, watcher, generation] {
            watcher->deleteLater();
            if (generation != m_searchGeneration) return;
            const Found found = watcher->result();
            if (!found) {
                m_tree->clear();
                m_studies = 0;
                m_status->setText(tr("%1: %2").arg(source(), QString::fromStdString(found.error().message)));
                emit message(m_status->text());
                emit searchFinished(0);
                return;
            }
            showRemote(*found);
        });
        watcher->setFuture(m_network->find(source(), currentQuery()));
        return;
    }
    auto* watcher = new QFutureWatcher<std::vector<storage::StudyRow>>(this);
    connect(watcher, &QFutureWatcher<std::vector<storage::StudyRow>>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_searchGeneration) return;  // a newer search is on its way
        showResults(watcher->result());
    });
    watcher->setFuture(m_cache.search(currentQuery()));
}

void StudyBrowser::showResults(const std::vector<storage::StudyRow>& rows)
{
    m_tree->clear();
    std::map<std::pair<std::string, std::string>, QTreeWidgetItem*> patients;
    for (const storage::StudyRow& s : rows) {
        const auto key = std::make_pair(s.patientId, s.patientName);
        QTreeWidgetItem*& patient = patients[key];
        if (!patient) {
            patient = new QTreeWidgetItem(m_tree);
            patient->setData(0, RoleKind, KindPatient);
            patient->setText(ColName, q(formatPersonName(s.patientName)));
            patient->setToolTip(ColName, q(s.patientName));
            patient->setText(ColId, q(s.patientId));
            patient->setText(ColBirth, viewer::formatDicomDate(s.patientBirthDate) + (s.patientSex.empty() ? "" : "  " + q(s.patientSex)));
            QFont f = patient->font(ColName);
            f.setBold(true);
            patient->setFont(ColName, f);
        }
        auto* study = new QTreeWidgetItem(patient);
        study->setData(0, RoleKind, KindStudy);
        study->setData(0, RoleStudy, q(s.studyUid));
        study->setData(0, RolePinned, s.pinned);
        const bool offline = std::find(s.heldBy.begin(), s.heldBy.end(), "offline") != s.heldBy.end();
        const bool forOrder = std::any_of(s.heldBy.begin(), s.heldBy.end(), [](const std::string& h) { return h.rfind("order:", 0) == 0; });
        study->setData(0, RoleOffline, offline);
        study->setText(ColName, s.description.empty() ? tr("(no description)") : q(s.description));
        study->setText(ColDate, (viewer::formatDicomDate(s.studyDate) + " " + viewer::formatDicomTime(s.studyTime)).trimmed());
        study->setText(ColDescription, q(s.description));
        QStringList mods;
        for (const auto& m : s.modalities) mods << q(m);
        study->setText(ColModality, mods.join('/'));
        study->setText(ColAccession, q(s.accession));
        study->setText(ColImages, QString::number(s.instanceCount));
        study->setText(ColSize, sizeText(s.sizeBytes));
        QStringList status;
        if (s.pinned) status << tr("pinned");
        if (offline) status << tr("kept offline");
        if (forOrder) status << tr("kept for its order");
        if (s.problems > 0) {
            status << tr("%n file(s) missing or modified", nullptr, s.problems);
            study->setIcon(ColStatus, style()->standardIcon(QStyle::SP_MessageBoxWarning));
            study->setForeground(ColStatus, QColor(200, 60, 40));
        }
        study->setText(ColStatus, status.join(", "));
        study->setToolTip(ColName, tr("Study %1\nReferring: %2").arg(q(s.studyUid), q(s.referringPhysician)));
        study->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);
    }
    m_tree->expandToDepth(0);
    for (int c = 0; c < ColumnCount; ++c)
        if (c != ColDescription) m_tree->resizeColumnToContents(c);
    m_tree->setColumnWidth(ColName, std::clamp(m_tree->columnWidth(ColName), 220, 380));
    m_studies = int(rows.size());
    m_status->setText(tr("%n study(ies)", nullptr, m_studies) + (rows.size() >= 500 ? tr(" (first 500 shown: refine the search)") : QString()));
    emit searchFinished(m_studies);
}

void StudyBrowser::showRemote(const std::vector<RemoteStudy>& found)
{
    std::vector<storage::StudyRow> rows;
    for (const RemoteStudy& r : found) rows.push_back(r.row);
    showResults(rows);
    // Which are in the cache already: complete ones open at once, the others are retrieved first.
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        for (int j = 0; j < m_tree->topLevelItem(i)->childCount(); ++j) {
            QTreeWidgetItem* study = m_tree->topLevelItem(i)->child(j);
            study->setChildIndicatorPolicy(QTreeWidgetItem::DontShowIndicator);
            study->setData(0, RoleRemote, true);
            study->setData(0, RoleLabel, m_tree->topLevelItem(i)->text(ColName) + " — " + study->text(ColName));
            for (const RemoteStudy& r : found) {
                if (QString::fromStdString(r.row.studyUid) != study->data(0, RoleStudy).toString()) continue;
                const bool complete = r.cachedInstances > 0 && r.cachedInstances >= r.row.instanceCount;
                study->setData(0, RoleComplete, complete);
                study->setText(ColSize, QString());
                study->setText(ColStatus, complete ? tr("in the cache")
                                          : r.cachedInstances ? tr("partly cached (%1 of %2)").arg(r.cachedInstances).arg(r.row.instanceCount)
                                                              : tr("not cached"));
                study->setForeground(ColStatus, complete ? QColor(26, 127, 55) : QColor(120, 120, 120));
            }
        }
    m_tree->resizeColumnToContents(ColStatus);
    m_status->setText(tr("%n study(ies) on %1", nullptr, int(found.size())).arg(source()));
}

void StudyBrowser::loadSeries(QTreeWidgetItem* studyItem)
{
    if (studyItem->data(0, RoleLoaded).toBool()) return;
    studyItem->setData(0, RoleLoaded, true);
    const QString studyUid = studyItem->data(0, RoleStudy).toString();
    auto* watcher = new QFutureWatcher<std::vector<storage::SeriesRow>>(this);
    QPointer<QTreeWidget> tree(m_tree);
    connect(watcher, &QFutureWatcher<std::vector<storage::SeriesRow>>::finished, this, [this, watcher, studyUid] {
        watcher->deleteLater();
        // The item may have been replaced by a newer search: find it again.
        QTreeWidgetItem* studyItem = nullptr;
        for (int i = 0; i < m_tree->topLevelItemCount() && !studyItem; ++i)
            for (int j = 0; j < m_tree->topLevelItem(i)->childCount(); ++j)
                if (m_tree->topLevelItem(i)->child(j)->data(0, RoleStudy).toString() == studyUid) studyItem = m_tree->topLevelItem(i)->child(j);
        if (!studyItem) return;
        for (const storage::SeriesRow& s : watcher->result()) {
            auto* item = new QTreeWidgetItem(studyItem);
            item->setData(0, RoleKind, KindSeries);
            item->setData(0, RoleStudy, studyUid);
            item->setData(0, RoleSeries, q(s.seriesUid));
            QString label = s.seriesNumber ? tr("S%1  ").arg(*s.seriesNumber) : QString();
            label += s.description.empty() ? tr("(no description)") : q(s.description);
            item->setText(ColName, label);
            item->setText(ColModality, q(s.modality));
            item->setText(ColImages, QString::number(s.instanceCount));
            item->setText(ColDescription, q(s.bodyPart) + (s.laterality.empty() ? "" : "  " + q(s.laterality)));
            const QString seriesUid = q(s.seriesUid);
            auto* thumb = new QFutureWatcher<QImage>(this);
            connect(thumb, &QFutureWatcher<QImage>::finished, this, [this, thumb, seriesUid] {
                thumb->deleteLater();
                const QImage img = thumb->result();
                if (img.isNull()) return;
                QTreeWidgetItemIterator it(m_tree);
                for (; *it; ++it)
                    if ((*it)->data(0, RoleSeries).toString() == seriesUid) (*it)->setIcon(ColName, QIcon(QPixmap::fromImage(img)));
            });
            thumb->setFuture(m_cache.thumbnail(seriesUid, 48));
        }
    });
    watcher->setFuture(m_cache.series(studyUid));
}

void StudyBrowser::importPaths(const QStringList& paths)
{
    if (paths.isEmpty() || m_import.isRunning()) return;
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
    m_status->setText(tr("Importing %1…").arg(paths.size() == 1 ? paths.front() : tr("%1 items").arg(paths.size())));
    m_import.setFuture(m_cache.import(paths));
}

bool StudyBrowser::importRunning() const { return m_import.isRunning(); }

void StudyBrowser::onImportFinished()
{
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
    if (m_import.future().resultCount() == 0) return;
    const storage::ImportReport r = m_import.result();
    QString text = tr("Imported %1, already present %2").arg(r.imported).arg(r.alreadyPresent);
    if (!r.rejected.empty()) text += tr(", %n rejected", nullptr, int(r.rejected.size()));
    if (!r.notDicom.empty()) text += tr(", %n not DICOM", nullptr, int(r.notDicom.size()));
    if (r.cancelled) text += tr(" (cancelled)");
    if (!r.fatal.empty()) text += tr(". Stopped: %1").arg(q(r.fatal));
    m_status->setText(text);
    emit message(text);
    if (!r.rejected.empty() || !r.fatal.empty()) {
        QString details;
        for (const auto& p : r.rejected) details += q(p.path) + ": " + q(p.reason) + "\n";
        QMessageBox box(QMessageBox::Warning, tr("Import"), text, QMessageBox::Ok, this);
        box.setDetailedText(details);
        box.setModal(false);
        box.exec();
    }
    emit importFinished(r);
    refresh();
}

void StudyBrowser::runVerify()
{
    m_status->setText(tr("Verifying every file of the cache…"));
    auto* w = new QFutureWatcher<storage::VerifyReport>(this);
    connect(w, &QFutureWatcher<storage::VerifyReport>::finished, this, [this, w] {
        w->deleteLater();
        const storage::VerifyReport r = w->result();
        const QString text = tr("Checked %1 files: %2 missing, %3 modified, %4 unreferenced.")
                                 .arg(r.checked).arg(r.missing.size()).arg(r.modified.size()).arg(r.orphans.size());
        m_status->setText(text);
        if (!r.ok()) {
            QString details;
            for (const auto& p : r.missing) details += tr("missing: ") + q(p.reason) + "\n";
            for (const auto& p : r.modified) details += tr("modified: ") + q(p.reason) + "\n";
            QMessageBox box(QMessageBox::Warning, tr("Cache verification"), text, QMessageBox::Ok, this);
            box.setDetailedText(details);
            box.exec();
        }
        refresh();  // studies with problems are marked
    });
    w->setFuture(m_cache.verify());
}

void StudyBrowser::editSettings()
{
    auto* w = new QFutureWatcher<CacheService::Usage>(this);
    connect(w, &QFutureWatcher<CacheService::Usage>::finished, this, [this, w] {
        w->deleteLater();
        showSettings(w->result().quota, w->result().stats);
    });
    w->setFuture(m_cache.usage());
}

void StudyBrowser::showSettings(storage::Quota quota, const storage::CacheStats& stats)
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Cache settings"));
    auto* form = new QFormLayout(&dialog);
    form->addRow(tr("Cache folder:"), new QLabel(m_cache.folder(), &dialog));
    form->addRow(tr("In use:"), new QLabel(tr("%1 in %2 studies").arg(sizeText(stats.bytes)).arg(stats.studies), &dialog));
    auto* maxSize = new QDoubleSpinBox(&dialog);
    maxSize->setRange(0, 1e6);
    maxSize->setDecimals(1);
    maxSize->setSuffix(tr(" GiB"));
    maxSize->setSpecialValueText(tr("no limit"));
    maxSize->setValue(double(quota.maxBytes) / (1 << 30));
    auto* minFree = new QDoubleSpinBox(&dialog);
    minFree->setRange(0, 1e6);
    minFree->setDecimals(1);
    minFree->setSuffix(tr(" GiB"));
    minFree->setValue(double(quota.minFreeBytes) / (1 << 30));
    form->addRow(tr("Maximum cache size:"), maxSize);
    form->addRow(tr("Keep free on the disk:"), minFree);
    form->addRow(new QLabel(tr("When a limit is reached, the least recently opened studies are removed first.\n"
                               "Pinned studies and studies open in a viewer are never removed."), &dialog));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted) return;
    quota.maxBytes = std::int64_t(maxSize->value() * (1 << 30));
    quota.minFreeBytes = std::int64_t(minFree->value() * (1 << 30));
    auto* w = new QFutureWatcher<QString>(this);
    connect(w, &QFutureWatcher<QString>::finished, this, [this, w] {
        w->deleteLater();
        if (!w->result().isEmpty()) emit message(w->result());
        refresh();
    });
    w->setFuture(m_cache.setQuota(quota));
}

void StudyBrowser::dragEnterEvent(QDragEnterEvent* e)
{
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void StudyBrowser::dropEvent(QDropEvent* e)
{
    QStringList paths;
    for (const QUrl& url : e->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    if (!paths.isEmpty()) {
        e->acceptProposedAction();
        importPaths(paths);
    }
}

}  // namespace lightbox::app
