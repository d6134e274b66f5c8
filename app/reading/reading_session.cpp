#include "reading_session.h"

#include "open_job.h"
#include "archive_ops.h"
#include "display_image_qt.h"
#include "display_pipeline.h"
#include "image_source.h"
#include "key_images.h"
#include "network_service.h"
#include "protocol_editor.h"
#include "reading_window.h"

#include "image_stack.h"
#include "image_viewport.h"

#include "cache.h"
#include "cache_service.h"
#include "study_open.h"

#include <QGuiApplication>
#include <QScreen>
#include <QShortcut>
#include <QTimer>
#include <QWindow>
#include <QtConcurrent>

namespace lightbox::app {

struct ReadingSession::Prepared {
    std::shared_ptr<const std::vector<HangingProtocol>> protocols;  // keeps `protocol` alive
    std::vector<std::shared_ptr<storage::StudyLease>> leases;      // the studies shown, held in the cache
    QString error;
    ReadingContext context;
    const HangingProtocol* protocol = nullptr;
    std::vector<SeriesGroup> series;  // of the current study and every prior
    std::map<std::string, const SeriesGroup*> byUid;
    std::map<std::string, QImage> thumbnails;  // of each series, for the strip
    std::set<std::pair<std::string, int>> keys;  // key images of the studies shown
};

ReadingSession::ReadingSession(CacheService& cache, ProtocolLibrary library, QThreadPool& pool, QObject* parent)
    : QObject(parent), m_cache(cache), m_folder(cache.folder()), m_library(std::move(library)), m_pool(pool), m_keyWrites(std::make_unique<QThreadPool>())
{
    m_keyWrites->setMaxThreadCount(1);
    // A screen plugged in or out: laid out again once Qt has settled the screens.
    auto later = [this] { QTimer::singleShot(0, this, &ReadingSession::screensChanged); };
    connect(qApp, &QGuiApplication::screenAdded, this, later);
    connect(qApp, &QGuiApplication::screenRemoved, this, later);
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Prepared>>::finished, this, [this] {
        auto p = m_watcher.result();
        if (m_cancel->load()) return;  // superseded
        if (!p->error.isEmpty()) {
            emit failed(p->error);
            return;
        }
        m_prepared = p;
        *m_keys = p->keys;
        m_layout = layOut(*p->protocol, p->context, m_stageToShow, m_screens);
        show();
        emit opened(m_layout.protocol);
        if (m_searchArchivesAfterShow) searchArchives();
    });
}

ReadingSession::~ReadingSession()
{
    // A study still being prepared is given up without waiting for its files (the worker holds
    // what it needs and stops at the next file).
    m_cancel->store(true);
    closeWindows();
    m_keyWrites->waitForDone();
}

void ReadingSession::open(const QString& studyUid, int screens)
{
    m_everyScreen = screens <= 0;
    m_screens = screens > 0 ? screens : std::max(1, int(m_plan.readingScreens().size()));
    m_studyUid = studyUid;
    m_stageToShow = 1;
    m_retrieving.clear();
    m_transfers.clear();
    prepare(true);
}

void ReadingSession::prepare(bool searchArchives)
{
    m_searchArchivesAfterShow = searchArchives && m_network;
    const QString folder = m_folder;
    auto protocols = std::make_shared<const std::vector<HangingProtocol>>(m_library.protocols);
    const std::string study = m_studyUid.toStdString();
    m_cancel->store(true);  // a preparation still running is not wanted any more
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_cancel;
    auto keeper = m_cache.keeper();
    // Who may be shown as a prior: the settings' peers (read now, on this thread).
    auto settings = std::make_shared<AppConfig>();
    if (m_network) *settings = m_network->config();
    else if (auto loaded = AppConfig::load(AppConfig::resolvePath({}))) *settings = *loaded;
    const SourceTrust trusted = [settings](const std::string& source) { return settings->trustedForPriors(source); };
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [folder, protocols, study, cancel, keeper, trusted] {
        auto p = std::make_shared<Prepared>();
        p->protocols = protocols;
        auto cache = storage::Cache::open(folder.toStdString());
        if (!cache || !keeper) {
            p->error = cache ? tr("The cache cannot be opened.") : QString::fromStdString(cache.error().message);
            return p;
        }
        auto context = readingContext((*cache)->index(), study, trusted);
        if (!context) {
            p->error = QString::fromStdString(context.error().message);
            return p;
        }
        p->context = std::move(*context);
        p->protocol = chooseProtocol(*protocols, p->context);
        if (!p->protocol) {
            p->error = tr("No hanging protocol applies to this study.");
            return p;
        }
        // The files of the current study and of the priors the protocol may show (every stage).
        std::set<std::string> studies{study};
        for (const ImageSet& s : p->protocol->imageSets)
            if (s.prior > 0 && s.prior <= int(p->context.priors.size())) studies.insert(p->context.priors[std::size_t(s.prior - 1)].row.studyUid);
        // Each through the one way to open: held while shown, and marked as read (a prior read
        // every day is not the first to be evicted).
        QStringList files;
        for (const std::string& s : studies) {
            auto opened = storage::openStudy(**cache, *keeper, s, "reading");
            if (!opened) {
                if (s == study) {
                    p->error = QString::fromStdString(opened.error().message);
                    return p;
                }
                continue;  // a prior evicted meanwhile: the layout shows what is there
            }
            p->leases.push_back(opened->lease);
            for (const auto& [path, row] : opened->files) files << QString::fromStdString(path);
            if (auto keys = storage::keyImagesOf((*cache)->database(), s)) p->keys.insert(keys->begin(), keys->end());
        }
        OpenResult opened = openPaths(files, [cancel](int, int) { return !cancel->load(); });
        if (cancel->load()) {
            p->error = tr("cancelled");
            return p;
        }
        p->series = std::move(opened.series);
        for (const SeriesGroup& g : p->series) {
            p->byUid[g.seriesInstanceUid] = &g;
            if (cancel->load()) continue;
            // The middle image, as the strip shows it.
            if (g.frames.empty()) continue;
            const SeriesFrame& f = g.frames[g.frames.size() / 2];
            if (auto src = ImageSource::open(g.images[f.image].path))
                if (auto shown = src->render(f.frame, DisplayOptions{}))
                    p->thumbnails[g.seriesInstanceUid] = toQImage(*shown).scaled(72, 72, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        }
        return p;
    }));
}

void ReadingSession::closeWindows()
{
    for (ReadingWindow* w : m_windows) {
        w->hide();
        w->deleteLater();  // a shortcut of the window may be what asked for this
    }
    m_windows.clear();
}

namespace {

// Never silently: the reader is told that the patient has studies not shown as priors, and why.
QString withheldWarning(const std::vector<WithheldStudy>& withheld)
{
    QStringList which;
    for (const WithheldStudy& w : withheld)
        which << ReadingSession::tr("%1 %2 from %3")
                     .arg(QString::fromStdString(w.row.studyDate), QString::fromStdString(w.row.description), QString::fromStdString(w.source));
    if (withheld.size() == 1)
        return ReadingSession::tr("Another study under this patient's ID is not shown as a prior: it was sent by a peer not trusted for priors (%1). "
                                  "Open it from the study browser after checking the patient.")
            .arg(which.front());
    return ReadingSession::tr("%1 other studies under this patient's ID are not shown as priors: they were sent by a peer not trusted for priors (%2). "
                              "Open them from the study browser after checking the patient.")
        .arg(withheld.size())
        .arg(which.join("; "));
}

}  // namespace

void ReadingSession::show()
{
    m_sync.clear();
    m_lines.clear();
    closeWindows();
    const QList<QScreen*> screens = m_plan.readingScreens();
    for (std::size_t i = 0; i < m_layout.screens.size(); ++i) {
        auto* w = new ReadingWindow(m_pool);
        const QString title = tr("Lightbox — %1 — %2, stage %3 of %4 — screen %5")
                                  .arg(QString::fromStdString(m_prepared->context.current.row.patientName), m_layout.protocol)
                                  .arg(m_layout.stage)
                                  .arg(m_layout.stages)
                                  .arg(i + 1);
        w->setScreenPlacement(m_layout.screens[i], m_prepared->byUid, m_prepared->series, title);
        w->setSeriesStrip(m_prepared->thumbnails, m_prepared->context.current.row.studyUid);
        w->setKeyImages(m_keys);
        if (!m_prepared->context.withheld.empty()) w->setWarning(withheldWarning(m_prepared->context.withheld));
        connect(new QShortcut(QKeySequence(Qt::Key_K), w), &QShortcut::activated, this, [this, w] { toggleKeyImage(w, w->focusedCell()); });
        connect(w, &ReadingWindow::viewportCreated, this, [this](viewer::ImageViewport* v, const QString& sync, const QString& preset) {
            m_sync.add(sync, v, preset);
            m_lines.add(v);
        });
        auto* next = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown), w);
        connect(next, &QShortcut::activated, this, &ReadingSession::nextStage, Qt::QueuedConnection);
        auto* previous = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp), w);
        connect(previous, &QShortcut::activated, this, &ReadingSession::previousStage, Qt::QueuedConnection);
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right), w), &QShortcut::activated, w, [w] { w->stepSeries(1); });
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Left), w), &QShortcut::activated, w, [w] { w->stepSeries(-1); });
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_L), w), &QShortcut::activated, this, [this] { m_sync.setEnabled(!m_sync.enabled()); });
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), w), &QShortcut::activated, this, [this, w] {
            if (ProtocolEditorDialog* d = editProtocol(w)) d->open();
        });
        if (int(i) < screens.size()) {
            QScreen* s = screens[int(i)];
            w->setScreen(s);
            w->setGeometry(s->availableGeometry());
            w->show();
        } else {
            w->show();
        }
        m_windows.push_back(w);
        // Moved to another screen by the user: that screen is this window's place from now on.
        if (QWindow* handle = w->windowHandle())
            connect(handle, &QWindow::screenChanged, this, [this, i](QScreen* s) { m_plan.rememberReadingScreen(int(i), s); });
    }
    for (ReadingWindow* w : m_windows)
        for (int c = 0; c < w->cellCount(); ++c)
            if (w->viewport(c)) {
                m_sync.add(w->placement(c).spec.sync, w->viewport(c), w->placement(c).spec.preset);
                m_lines.add(w->viewport(c));
            }
}

void ReadingSession::screensChanged()
{
    if (!m_prepared || !m_everyScreen) return;
    m_screens = std::max(1, int(m_plan.readingScreens().size()));
    m_layout = layOut(*m_prepared->protocol, m_prepared->context, m_layout.stage, m_screens);
    show();
}

void ReadingSession::nextStage()
{
    if (!m_prepared || m_layout.stage >= m_layout.stages) return;
    m_layout = layOut(*m_prepared->protocol, m_prepared->context, m_layout.stage + 1, m_screens);
    show();
}

void ReadingSession::previousStage()
{
    if (!m_prepared || m_layout.stage <= 1) return;
    m_layout = layOut(*m_prepared->protocol, m_prepared->context, m_layout.stage - 1, m_screens);
    show();
}

}  // namespace lightbox::app

namespace lightbox::app {

Layout ReadingSession::shownLayout() const
{
    Layout l = m_layout;
    l.screens.clear();
    for (const ReadingWindow* w : m_windows) l.screens.push_back(w->shownPlacement());
    return l;
}

const HangingProtocol* ReadingSession::protocol() const { return m_prepared ? m_prepared->protocol : nullptr; }

ProtocolEditorDialog* ReadingSession::editProtocol(QWidget* parent)
{
    if (!m_prepared || !m_prepared->protocol) return nullptr;
    auto* d = new ProtocolEditorDialog(shownLayout(), *m_prepared->protocol, m_prepared->context, m_userFolder, parent);
    d->setAttribute(Qt::WA_DeleteOnClose);
    return d;
}

}  // namespace lightbox::app

namespace lightbox::app {

void ReadingSession::searchArchives()
{
    if (!m_network || !m_prepared || m_network->config().archives.empty()) return;
    const AppConfig config = m_network->config();
    const storage::StudyRow current = m_prepared->context.current.row;
    if (current.patientId.empty()) return;
    const QString cacheDir = m_folder;
    auto* watcher = new QFutureWatcher<std::vector<std::pair<QString, StudyFacts>>>(this);
    connect(watcher, &QFutureWatcher<std::vector<std::pair<QString, StudyFacts>>>::finished, this, [this, watcher] {
        watcher->deleteLater();
        onRemoteStudies(watcher->result());
    });
    // Not on the viewer's pool: an archive may take its time to answer.
    watcher->setFuture(QtConcurrent::run([config, current, cacheDir] {
        std::vector<std::pair<QString, StudyFacts>> found;
        for (const ArchiveEntry& archive : config.archives) {
            storage::StudyQuery q;
            q.patientId = current.patientId;
            q.limit = 100;
            auto r = findRemoteStudies(archive, config.local, q, cacheDir);
            if (!r) continue;  // an archive that does not answer has no priors to offer
            for (const RemoteStudy& s : *r) {
                if (s.row.studyUid == current.studyUid || s.row.patientId != current.patientId) continue;
                if (!s.row.patientBirthDate.empty() && !current.patientBirthDate.empty() && s.row.patientBirthDate != current.patientBirthDate) continue;
                if (s.row.instanceCount > 0 && s.cachedInstances >= s.row.instanceCount) continue;  // already here
                found.emplace_back(archive.name, StudyFacts{s.row, {}});
            }
        }
        return found;
    }));
}

void ReadingSession::onRemoteStudies(const std::vector<std::pair<QString, StudyFacts>>& found)
{
    if (!m_prepared || found.empty()) return;
    // Rank the cached priors and the archives' together: what the protocol's image sets would pick.
    std::vector<StudyFacts> all = m_prepared->context.priors;
    std::map<std::string, QString> remote;
    for (const auto& [archive, facts] : found) {
        if (remote.count(facts.row.studyUid)) continue;
        bool cached = false;
        for (const StudyFacts& c : all) cached = cached || c.row.studyUid == facts.row.studyUid;
        if (cached) continue;  // partly cached: the cached part already shows
        remote[facts.row.studyUid] = archive;
        all.push_back(facts);
    }
    const std::vector<StudyFacts> ranked = rankPriors(m_prepared->context.current, std::move(all));
    for (const ImageSet& set : m_prepared->protocol->imageSets) {
        if (set.prior < 1 || set.prior > int(ranked.size())) continue;
        const std::string uid = ranked[std::size_t(set.prior - 1)].row.studyUid;
        auto it = remote.find(uid);
        if (it == remote.end() || m_retrieving.count(uid)) continue;
        const AppConfig& config = m_network->config();
        const ArchiveEntry* archive = nullptr;
        for (const ArchiveEntry& a : config.archives)
            if (a.name == it->second) archive = &a;
        if (!archive) continue;
        const storage::StudyRow& row = ranked[std::size_t(set.prior - 1)].row;
        const QString label = tr("prior %1 %2").arg(QString::fromStdString(row.studyDate), QString::fromStdString(row.description));
        const int id = m_network->enqueueRetrieve(it->second, QString::fromStdString(uid), {}, label, NetworkService::defaultMethod(*archive));
        m_retrieving[uid] = it->second;
        m_transfers[id] = uid;
        for (ReadingWindow* w : m_windows) w->noteEmpty(set.name, tr("retrieving the %1 prior from %2…").arg(QString::fromStdString(row.studyDate), it->second));
        emit priorRequested(QString::fromStdString(uid), it->second);
        if (m_transfers.size() == 1)
            connect(m_network, &NetworkService::transferFinished, this, [this](int id, bool ok) {
                auto t = m_transfers.find(id);
                if (t == m_transfers.end()) return;
                const std::string uid = t->second;
                m_transfers.erase(t);
                if (!ok) {
                    const Transfer* tr = m_network->transfer(id);
                    emit priorFailed(QString::fromStdString(uid), tr ? tr->status : QString());
                    return;
                }
                // The prior is in the cache now: lay the study out again, on the stage shown.
                m_stageToShow = m_layout.stage;
                prepare(false);
            });
    }
}

}  // namespace lightbox::app

namespace lightbox::app {

bool ReadingSession::toggleKeyImage(ReadingWindow* window, int cell)
{
    if (!window) return false;
    const auto image = window->shownImage(cell);
    if (image.first.empty()) return false;
    const bool flag = !m_keys->count(image);
    if (flag) m_keys->insert(image);
    else m_keys->erase(image);
    for (ReadingWindow* w : m_windows) w->refreshKeyMarks();
    const std::string study = window->placement(cell).studyUid, series = window->placement(cell).seriesUid;
    const QString folder = m_folder;
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
        watcher->deleteLater();
        emit keyImageSaved(watcher->result().isEmpty(), watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(m_keyWrites.get(), [folder, study, series, image, flag]() -> QString {
        auto cache = storage::Cache::open(folder.toStdString());
        if (!cache) return QString::fromStdString(cache.error().message);
        auto s = storage::setKeyImage((*cache)->database(), study, series, image, flag);
        return s ? QString() : QString::fromStdString(s.error().message);
    }));
    return true;
}

}  // namespace lightbox::app
