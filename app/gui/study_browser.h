#pragma once
// The study browser: searches the local cache (patient name with wildcards, ID, accession,
// modality, dates, description), shows patient → study → series with thumbnails, opens studies
// in the viewer, imports files, folders, DICOMDIRs and ZIPs (menu or drag-and-drop) with progress
// and cancel, and manages the cache (pin, delete, verify, quota).
#include "cache_service.h"

#include <QFutureWatcher>
#include <QWidget>

class QComboBox;
class QDateEdit;
class QLabel;
class QLayout;
class QMenu;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace lightbox::app {

class NetworkService;
struct RemoteStudy;

class StudyBrowser : public QWidget {
    Q_OBJECT
public:
    StudyBrowser(CacheService& cache, QWidget* parent = nullptr);

    void setQuery(const storage::StudyQuery& query);  // fills the fields and searches
    // Archives become sources of the search besides the local cache.
    void setNetwork(NetworkService* network);
    void refreshSources();
    // "" for the local cache, else an archive's name.
    QString source() const;
    bool setSource(const QString& archive);
    // Retrieves a study of the archive shown (the archive's default method); opens it when done
    // if `open`. Returns the transfer id (0 if none was needed or possible).
    int retrieveStudy(const QString& studyUid, bool open);
    void refresh();
    // Opens the Export dialog for cached studies; its job goes to the transfer queue, and its
    // outcome is shown in a message box when done.
    void exportStudies(const QStringList& studyUids, const QString& what);
    // The same for the cached studies selected in the list (File menu); a message when there are none.
    void exportSelected();
    void importPaths(const QStringList& paths);
    bool importRunning() const;
    QTreeWidget* tree() const { return m_tree; }
    int studyCount() const;

signals:
    void openRequested(const QString& studyUid, const QString& seriesUid, const QString& title);
    // Open the study on every screen as its hanging protocol says.
    void readRequested(const QString& studyUid);
    void searchFinished(int studies);
    void importFinished(const storage::ImportReport& report);
    void message(const QString& text);

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    // The constructor's parts: the search row, the tree of results, the import and cache row, and
    // searching as the fields change.
    QLayout* buildSearchRow();
    void buildTree();
    QLayout* buildBottomRow();
    void connectSearchFields();
    storage::StudyQuery currentQuery() const;
    void showResults(const std::vector<storage::StudyRow>& rows);
    void showRemote(const std::vector<RemoteStudy>& rows);
    void remoteMenu(QMenu& menu, const QString& studyUid);
    void patientMenu(QMenu& menu, const QString& patientId, const QString& name);
    void releaseOffline(const QString& patientId, const QString& studyUid);
    static QString currentUser();
    void loadSeries(QTreeWidgetItem* studyItem);
    void contextMenu(const QPoint& pos);
    QStringList selectedStudies(QTreeWidgetItem* clicked) const;
    QString studyLabel(const QString& studyUid) const;
    void showExportOutcome(int transferId);
    void onImportFinished();
    void editSettings();
    void showSettings(storage::Quota quota, const storage::CacheStats& stats);
    void runVerify();

    CacheService& m_cache;
    NetworkService* m_network = nullptr;
    QComboBox* m_source = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_id = nullptr;
    QLineEdit* m_accession = nullptr;
    QComboBox* m_modality = nullptr;
    QComboBox* m_dateRange = nullptr;
    QDateEdit* m_from = nullptr;
    QDateEdit* m_to = nullptr;
    QLineEdit* m_description = nullptr;
    QTreeWidget* m_tree = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_status = nullptr;
    QTimer* m_debounce = nullptr;
    QFutureWatcher<storage::ImportReport> m_import;
    int m_searchGeneration = 0;
    int m_studies = 0;
    std::vector<storage::Problem> m_lastProblems;
};

}  // namespace lightbox::app
