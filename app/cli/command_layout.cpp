// `lightbox layout` (what the reading window would show for a study) and `lightbox protocols`.
#include "app_config.h"
#include "cache.h"
#include "cache_location.h"
#include "cli_args.h"
#include "cli_output.h"
#include "commands.h"
#include "protocol_engine.h"
#include "protocol_library.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

namespace lightbox::app {

namespace {

ProtocolLibrary libraryFor(const CliArgs& a)
{
    ProtocolLibrary lib = ProtocolLibrary::load(ProtocolLibrary::userFolderFor(AppConfig::resolvePath(a.value("--config").value_or(QString()))));
    for (const QString& p : lib.problems) QTextStream(stderr) << "lightbox: protocol left out: " << p << '\n';
    return lib;
}

}  // namespace

int runLayout(const QStringList& args)
{
    CliArgs a(args, {"--screens", "--stage", "--protocol", "--cache", "--config"}, {"--json"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString usage = "usage: lightbox layout STUDY_UID [--screens N] [--stage K] [--protocol NAME] [--cache DIR] [--config FILE] [--json]";
    if (a.positional().size() != 1) return fail(usage, 2);
    bool ok = true;
    const int screens = a.value("--screens").value_or("1").toInt(&ok);
    if (!ok || screens < 1 || screens > 16) return fail("--screens is 1 to 16", 2);
    const int stage = a.value("--stage").value_or("1").toInt(&ok);
    if (!ok || stage < 1) return fail("--stage is 1 or more", 2);
    const ProtocolLibrary lib = libraryFor(a);
    const QString dir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    auto cache = storage::Cache::open(dir.toStdString());
    if (!cache) return fail(QString::fromStdString(cache.error().message));
    auto settings = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!settings) return fail(QString::fromStdString(settings.error().message));
    const AppConfig& config = *settings;
    auto context = readingContext((*cache)->index(), a.positional().front().toStdString(),
                                  [&config](const std::string& source) { return config.trustedForPriors(source); });
    if (!context) return fail(QString::fromStdString(context.error().message));
    for (const WithheldStudy& w : context->withheld)
        QTextStream(stderr) << "lightbox: study " << QString::fromStdString(w.row.studyUid) << " of the same patient ID is not used as a prior: "
                            << QString::fromStdString(w.source) << " is not trusted for priors\n";
    const HangingProtocol* protocol = nullptr;
    if (auto name = a.value("--protocol")) {
        protocol = lib.find(*name);
        if (!protocol) return fail("no protocol named " + *name, 2);
    } else {
        protocol = chooseProtocol(lib.protocols, *context);
        if (!protocol) return fail("no hanging protocol applies to this study (the generic one is missing?)");
    }
    const Layout layout = layOut(*protocol, *context, stage, screens);
    if (a.flag("--json")) {
        QJsonObject json = layoutToJson(layout);
        QJsonArray withheld;
        for (const WithheldStudy& w : context->withheld)
            withheld.append(QJsonObject{{"studyUid", QString::fromStdString(w.row.studyUid)}, {"source", QString::fromStdString(w.source)}});
        json["withheldPriors"] = withheld;
        out() << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return 0;
    }
    out() << "protocol " << layout.protocol << ", stage " << layout.stage << " of " << layout.stages << " (" << layout.stageName << ")\n";
    for (std::size_t s = 0; s < layout.screens.size(); ++s) {
        const ScreenPlacement& sp = layout.screens[s];
        out() << "screen " << s + 1 << ": " << sp.rows << "x" << sp.columns << '\n';
        for (const ViewportPlacement& v : sp.viewports) {
            out() << "  [" << v.row << "," << v.column << "] " << v.spec.view << " " << v.imageSet << "/" << v.spec.displaySet << ": ";
            if (v.empty()) out() << "(empty)\n";
            else out() << QString::fromStdString(v.seriesUid) << (v.sopInstanceUid.empty() ? "" : " image " + QString::fromStdString(v.sopInstanceUid)) << '\n';
        }
    }
    return 0;
}

int runProtocols(const QStringList& args)
{
    CliArgs a(args, {"--config"}, {"--json"});
    if (!a.ok() || !a.positional().isEmpty()) return fail("usage: lightbox protocols [--config FILE] [--json]", 2);
    const ProtocolLibrary lib = libraryFor(a);
    if (a.flag("--json")) {
        QJsonArray list;
        for (const HangingProtocol& p : lib.protocols)
            list.append(QJsonObject{{"name", p.name}, {"description", p.description}, {"user", p.user}, {"file", p.file}, {"stages", int(p.stages.size())}});
        QJsonArray problems = QJsonArray::fromStringList(lib.problems);
        out() << QJsonDocument(QJsonObject{{"protocols", list}, {"problems", problems}}).toJson(QJsonDocument::Indented);
    } else {
        for (const HangingProtocol& p : lib.protocols) out() << p.name << (p.user ? "  (user: " + p.file + ")" : QString()) << "  " << p.description << '\n';
    }
    return lib.problems.isEmpty() ? 0 : 1;
}

}  // namespace lightbox::app
