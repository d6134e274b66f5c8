#pragma once
// Opening a study the way its hanging protocol says: on a worker, the protocol is chosen from the
// cache index (with the patient's priors) and the files of the studies it shows are read; then one
// reading window per screen (QGuiApplication::screens(), in order) shows its part. Next/previous
// stage re-lay the same studies. The windows are placed on their screens and closed with the session.
// Keys in a reading window: Ctrl+Page Down / Up next / previous stage, Ctrl+Right / Left next /
// previous series in the focused viewport, Ctrl+L unlinks / relinks the synchronised viewports
// (relinking takes the offsets between them as they are then), Ctrl+Shift+S saves the layout as a
// protocol. Windows go to the screens of the ScreenPlan (the study list's screen left free); moving
// one to another screen is remembered.
#include "protocol_engine.h"
#include "protocol_library.h"
#include "reference_lines.h"
#include "screen_plan.h"
#include "series_sorting.h"
#include "viewport_sync.h"

#include <QFutureWatcher>
#include <QObject>

#include <atomic>
#include <map>
#include <set>
#include <memory>
#include <vector>

class QThreadPool;

namespace lightbox::app {

class ReadingWindow;
class ProtocolEditorDialog;
class NetworkService;
class CacheService;

class ReadingSession : public QObject {
    Q_OBJECT
public:
    // Studies are opened through the cache's one way to open (leases held while they are shown).
    ReadingSession(CacheService& cache, ProtocolLibrary library, QThreadPool& pool, QObject* parent = nullptr);
    ~ReadingSession() override;

    // With a network service, the configured archives are searched for the patient's priors once
    // the study is shown; a prior the protocol shows that is not in the cache is retrieved in the
    // background and the layout is redone when it arrives.
    void setNetwork(NetworkService* network) { m_network = network; }
    // Opens the study on `screens` screens (0: every screen there is), at stage 1.
    void open(const QString& studyUid, int screens = 0);
    // Priors being retrieved (Study Instance UIDs) and the archive each comes from.
    const std::map<std::string, QString>& retrievingPriors() const { return m_retrieving; }
    void nextStage();
    void previousStage();
    // Screens were added or removed: a study opened on every screen is laid out again (same stage).
    void screensChanged();
    // Where reading windows go and what is remembered (default: ui.ini beside the settings file).
    void setScreenPlan(const ScreenPlan& plan) { m_plan = plan; }

    const Layout& layout() const { return m_layout; }
    // What the windows show now (the layout with the user's series changes).
    Layout shownLayout() const;
    const HangingProtocol* protocol() const;
    // Where "save layout as protocol" (Ctrl+Shift+S in a reading window) writes.
    void setUserProtocolFolder(const QString& folder) { m_userFolder = folder; }
    // Opens the "save layout as protocol" dialog for what is shown (nullptr before a study is open).
    ProtocolEditorDialog* editProtocol(QWidget* parent = nullptr);
    const std::vector<ReadingWindow*>& windows() const { return m_windows; }
    ViewportSync& sync() { return m_sync; }
    ReferenceLines& referenceLines() { return m_lines; }
    // Flags (or unflags) the image the focused viewport of `window` shows as a key image (K); saved
    // in the cache index in the background. False when the viewport shows no single image.
    bool toggleKeyImage(ReadingWindow* window, int cell);
    const std::set<std::pair<std::string, int>>& keyImages() const { return *m_keys; }

signals:
    void opened(const QString& protocol);
    void failed(const QString& message);
    // A prior was asked for from an archive (it appears when it arrives; opened() follows).
    void priorRequested(const QString& studyUid, const QString& archive);
    void priorFailed(const QString& studyUid, const QString& reason);
    void keyImageSaved(bool ok, const QString& error);

private:
    struct Prepared;
    void prepare(bool searchArchives);
    void show();
    void searchArchives();
    void onRemoteStudies(const std::vector<std::pair<QString, StudyFacts>>& found);
    void closeWindows();

    CacheService& m_cache;
    QString m_folder, m_userFolder;
    ProtocolLibrary m_library;
    QThreadPool& m_pool;
    int m_screens = 1;
    bool m_everyScreen = false;
    ScreenPlan m_plan;
    std::shared_ptr<Prepared> m_prepared;
    Layout m_layout;
    std::vector<ReadingWindow*> m_windows;
    ViewportSync m_sync;
    ReferenceLines m_lines;
    std::shared_ptr<std::set<std::pair<std::string, int>>> m_keys = std::make_shared<std::set<std::pair<std::string, int>>>();
    QFutureWatcher<std::shared_ptr<Prepared>> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    // Key-image writes one at a time, in order (flag then unflag must not cross); waited for on destruction.
    std::unique_ptr<QThreadPool> m_keyWrites;
    NetworkService* m_network = nullptr;
    QString m_studyUid;
    int m_stageToShow = 1;
    bool m_searchArchivesAfterShow = false;
    std::map<std::string, QString> m_retrieving;  // prior study -> archive
    std::map<int, std::string> m_transfers;        // transfer id -> prior study
};

}  // namespace lightbox::app
