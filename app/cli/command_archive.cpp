// Archive commands: archive add|list|remove, config set|show, find, retrieve, send, listen (service).
// Each takes --config FILE (default: AppConfig::defaultPath()) and --cache DIR.
#include "app_config.h"
#include "archive_ops.h"
#include "audit_facts.h"
#include "backup_schedule.h"
#include "cache_location.h"
#include "cli_args.h"
#include "cli_session.h"
#include "cli_output.h"
#include "commands.h"
#include "receiver.h"
#include "receiver_sink.h"
#include "storage_listener.h"
#include "mllp_server.h"
#include "order_intake.h"
#include "outbox.h"
#include "outbox_delivery.h"
#include "outbox_loop.h"
#include "prefetch_loop.h"
#include "router.h"
#include "study_json.h"
#include "worklist_poll_loop.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <thread>

namespace lightbox::app {

namespace {

std::atomic<bool>& g_stop = stopRequested();

QString configPath(const CliArgs& a) { return AppConfig::resolvePath(a.value("--config").value_or(QString())); }

std::optional<AppConfig> loadConfig(const CliArgs& a, int* code)
{
    auto c = AppConfig::load(configPath(a));
    if (!c) {
        *code = fail(QString::fromStdString(c.error().message));
        return std::nullopt;
    }
    // A secret that cannot be read leaves its archive listed; only the secret is asked for again.
    for (const ArchiveEntry& e : c->archives)
        if (!e.secretProblem.isEmpty())
            QTextStream(stderr) << "lightbox: warning: " << e.secretProblem << " (lightbox archive add " << e.name << " --dicomweb URL --user U --password-stdin)\n";
    return *c;
}

// A DICOMweb password or token for `archive add`, from (in this order) standard input
// (--password-stdin / --token-stdin), the environment (LIGHTBOX_ARCHIVE_PASSWORD /
// LIGHTBOX_ARCHIVE_TOKEN), the command line (still accepted, with a warning: other users see it in
// the process list), or, for a password with --user, a prompt on the terminal. Empty: none given.
QString archiveSecret(const CliArgs& a, const QString& kind, bool ask)
{
    const QString option = "--" + kind;
    if (a.flag(option + "-stdin")) {
        std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        while (!in.empty() && (in.back() == '\n' || in.back() == '\r')) in.pop_back();
        return QString::fromStdString(in);
    }
    const QByteArray env = "LIGHTBOX_ARCHIVE_" + kind.toUpper().toLatin1();
    if (qEnvironmentVariableIsSet(env.constData())) return qEnvironmentVariable(env.constData());
    if (auto v = a.value(option)) {
        QTextStream(stderr) << "lightbox: warning: " << option << " is visible to other users in the process list; use " << option
                            << "-stdin or " << env << " instead\n";
        return *v;
    }
    if (ask)
        if (auto typed = readSecret(env.constData(), "DICOMweb password for " + a.value("--user").value_or(QString()) + ": ")) return QString::fromStdString(*typed);
    return {};
}

const ArchiveEntry* archiveOf(const AppConfig& c, const CliArgs& a, int* code)
{
    const QString name = a.value("--archive").value_or(QString());
    if (name.isEmpty()) {
        *code = fail("--archive NAME is required (see lightbox archive list)", 2);
        return nullptr;
    }
    const ArchiveEntry* e = c.find(name);
    if (!e) *code = fail(QStringLiteral("no archive named %1 in %2 (lightbox archive add)").arg(name, c.path()), 2);
    return e;
}

QString cacheDir(const CliArgs& a) { return storage::resolveCacheDir(a.value("--cache").value_or(QString())); }

const QStringList kCommon{"--config", "--cache"};

// What every command on one archive starts with: its arguments, the settings, the archive.
struct OnArchive {
    CliArgs args;
    std::optional<AppConfig> config;
    const ArchiveEntry* archive = nullptr;
    int code = 0;  // the exit code when archive is null
};

OnArchive onArchive(const QStringList& args, const QStringList& options, const QStringList& flags)
{
    OnArchive o{CliArgs(args, kCommon + options + QStringList{"--archive"}, flags), std::nullopt, nullptr, 0};
    if (!o.args.ok()) {
        o.code = fail(o.args.error(), 2);
        return o;
    }
    o.config = loadConfig(o.args, &o.code);
    if (o.config) o.archive = archiveOf(*o.config, o.args, &o.code);
    if (o.archive && !o.archive->callable() && !o.archive->hasWeb()) {
        o.code = fail(o.archive->name + " only sends to Lightbox: give it a --port (lightbox archive add " + o.archive->name + " ... --port PORT) to call it", 2);
        o.archive = nullptr;
    }
    return o;
}

}  // namespace

int runArchive(const QStringList& args)
{
    CliArgs a(args,
              kCommon + QStringList{"--aet", "--host", "--port", "--ca", "--cert", "--key", "--dicomweb", "--user", "--password", "--token", "--timeout",
                                    "--accepts", "--from"},
              {"--tls", "--no-verify", "--json", "--priors", "--no-priors", "--password-stdin", "--token-stdin"});
    if (!a.ok()) return fail(a.error(), 2);
    const QString usage =
        "usage: lightbox archive add NAME [--aet AET --host HOST [--port PORT] [--tls [--ca FILE] [--cert FILE --key FILE]] "
        "[--accepts echo,store|none] [--from HOST,...] [--priors|--no-priors]] "
        "[--dicomweb URL [--user U [--password-stdin] | --token-stdin] [--ca FILE]] [--no-verify] [--timeout S] | list [--json] | remove NAME  "
        "[--config FILE]  (secrets also from LIGHTBOX_ARCHIVE_PASSWORD / LIGHTBOX_ARCHIVE_TOKEN)";
    const QString sub = a.positional().value(0);
    int code = 0;
    auto config = loadConfig(a, &code);
    if (!config) return code;
    if (sub == "list") {
        if (a.flag("--json")) {
            QJsonArray arr;
            for (const ArchiveEntry& e : config->archives) {
                QJsonObject o{{"name", e.name}};
                if (e.hasDimse()) {
                    QJsonObject d{{"aeTitle", e.aeTitle}, {"host", e.host}, {"port", e.port}, {"tls", e.tls}, {"accepts", e.acceptsText()}};
                    d["from"] = QJsonArray::fromStringList(e.fromHosts);
                    d["priors"] = e.priors;
                    o["dimse"] = d;
                }
                if (e.hasWeb())
                    o["dicomweb"] = QJsonObject{{"url", e.url}, {"auth", !e.token.isEmpty() || !(e.unreadToken.isNull() || e.unreadToken.isUndefined()) ? "bearer" : !e.user.isEmpty() ? "basic" : "none"}};
                if (!e.secretProblem.isEmpty()) o["secretProblem"] = e.secretProblem;
                arr.append(o);
            }
            out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        } else {
            for (const ArchiveEntry& e : config->archives) out() << e.describe() << '\n';
            out() << config->archives.size() << " archives; Lightbox is " << config->local.aeTitle << " on port " << config->local.port << '\n';
        }
        return 0;
    }
    const QString name = a.positional().value(1);
    if (sub == "remove") {
        if (name.isEmpty()) return fail(usage, 2);
        if (!config->remove(name)) return fail("no archive named " + name, 2);
        if (auto s = config->save(); !s) return fail(QString::fromStdString(s.error().message));
        return 0;
    }
    if (sub != "add" || name.isEmpty()) return fail(usage, 2);
    ArchiveEntry e;
    if (const ArchiveEntry* old = config->find(name)) e = *old;  // add again = edit
    e.name = name;
    if (a.value("--host") || a.value("--aet") || a.value("--port")) {
        if (!a.value("--host") || !a.value("--aet")) return fail("DIMSE needs --aet and --host (and --port for a node Lightbox calls)", 2);
        e.host = *a.value("--host");
        e.aeTitle = *a.value("--aet");
        bool ok = true;
        e.port = a.value("--port") ? a.value("--port")->toInt(&ok) : 0;
        if (!ok || e.port < 0 || e.port > 65535 || (a.value("--port") && e.port == 0)) return fail("--port takes 1 to 65535", 2);
        if (e.aeTitle.isEmpty() || e.aeTitle.size() > 16) return fail("an AE title has 1 to 16 characters", 2);
        e.tls = a.flag("--tls");
        if (e.tls) {
            e.caFile = a.value("--ca").value_or(QString());
            e.certFile = a.value("--cert").value_or(QString());
            e.keyFile = a.value("--key").value_or(QString());
        }
        e.verify = !a.flag("--no-verify");
    }
    if (auto url = a.value("--dicomweb")) {
        if (!url->startsWith("http://") && !url->startsWith("https://")) return fail("--dicomweb takes an http:// or https:// URL", 2);
        e.url = *url;
        if (a.flag("--password-stdin") && a.flag("--token-stdin")) return fail("only one of --password-stdin and --token-stdin can read standard input", 2);
        e.user = a.value("--user").value_or(QString());
        e.token = archiveSecret(a, "token", false);
        e.password = archiveSecret(a, "password", !e.user.isEmpty() && e.token.isEmpty());
        if (!e.token.isEmpty() && !e.user.isEmpty()) return fail("give --user with a password or a token, not both", 2);
        e.unreadPassword = e.unreadToken = QJsonValue();  // given again (or cleared): the old stored form goes
        e.secretProblem.clear();
        if (!e.tls) e.webCaFile = a.value("--ca").value_or(QString());
        e.webVerify = !a.flag("--no-verify");
    }
    if (auto t = a.value("--timeout")) e.timeoutSeconds = std::max(1, t->toInt());
    if (auto acc = a.value("--accepts")) {
        const QStringList list = acc->split(',', Qt::SkipEmptyParts);
        for (const QString& c : list)
            if (c != "echo" && c != "store" && c != "none")
                return fail(c == "find" || c == "move" || c == "get"
                                ? "--accepts: Lightbox answers no " + c + " requests from anyone (it serves echo and store)"
                                : "--accepts takes echo, store or none, separated by commas",
                            2);
        e.acceptsEcho = list.contains("echo");
        e.acceptsStore = list.contains("store");
    }
    if (auto from = a.value("--from")) e.fromHosts = from->split(',', Qt::SkipEmptyParts);
    if (a.flag("--priors") && a.flag("--no-priors")) return fail("give --priors or --no-priors, not both", 2);
    if (a.flag("--priors")) e.priors = true;
    if (a.flag("--no-priors")) e.priors = false;
    if (!e.hasDimse() && !e.hasWeb()) return fail("give DIMSE (--aet --host --port) and/or DICOMweb (--dicomweb URL) settings", 2);
    config->put(e);
    if (auto s = config->save(); !s) return fail(QString::fromStdString(s.error().message));
    for (const QString& note : config->notes()) QTextStream(stderr) << "lightbox: note: " << note << '\n';
    out() << "saved " << e.describe() << '\n';
    return 0;
}

int runConfig(const QStringList& args)
{
    CliArgs a(args, kCommon, {});
    if (!a.ok()) return fail(a.error(), 2);
    const QString usage =
        "usage: lightbox config set aet|port|listen|tls-cert|tls-key|tls-ca|backup-folder|backup-every|hl7-port|hl7-listen VALUE | show  [--config FILE]";
    int code = 0;
    auto config = loadConfig(a, &code);
    if (!config) return code;
    const QString sub = a.positional().value(0);
    if (sub == "show") {
        out() << "config " << config->path() << "\nAE title " << config->local.aeTitle << ", storage port " << config->local.port
              << ", listener " << (config->local.listen ? "on" : "off")
              << (config->local.tlsCert.isEmpty() ? QString() : ", TLS with " + config->local.tlsCert)
              << (config->local.tlsCa.isEmpty() ? QString() : ", callers need a certificate signed by " + config->local.tlsCa) << '\n';
        out() << "scheduled backup: "
              << (config->backup.everyHours > 0 && !config->backup.folder.isEmpty()
                      ? QStringLiteral("every %1 h into %2").arg(config->backup.everyHours).arg(config->backup.folder)
                      : QStringLiteral("none"))
              << '\n';
        out() << "HL7 listener: " << (config->hl7.port > 0 ? QString("port %1 on %2").arg(config->hl7.port).arg(config->hl7.listenAddress) : QString("off"))
              << ", " << config->hl7.senders.size() << " senders allowed (lightbox hl7 list)\n";
        const auto peers = config->listenerPeers();
        out() << "peers allowed to call: " << (peers.empty() ? "none (lightbox archive add NAME --aet AET --host HOST)" : "") << '\n';
        for (const ArchiveEntry& e : config->archives)
            if (e.mayCall())
                out() << "  " << e.name << ": " << e.aeTitle << " from " << (QStringList{e.host} + e.fromHosts).join(", ") << ", may " << e.acceptsText()
                      << (e.priors ? "" : ", not trusted for priors") << '\n';
        return 0;
    }
    if (sub != "set" || a.positional().size() != 3) return fail(usage, 2);
    const QString key = a.positional()[1], v = a.positional()[2];
    if (key == "aet") {
        if (v.isEmpty() || v.size() > 16) return fail("an AE title has 1 to 16 characters", 2);
        config->local.aeTitle = v;
    } else if (key == "port") {
        bool ok = false;
        const int p = v.toInt(&ok);
        if (!ok || p <= 0 || p > 65535) return fail("the port is 1 to 65535", 2);
        config->local.port = p;
    } else if (key == "listen") {
        if (v != "on" && v != "off" && v != "true" && v != "false" && v != "1" && v != "0") return fail("listen is on or off", 2);
        config->local.listen = v == "on" || v == "true" || v == "1";
    } else if (key == "hl7-port") {
        bool ok = false;
        const int p = v.toInt(&ok);
        if (!ok || p < 0 || p > 65535) return fail("the HL7 port is 1 to 65535 (0: off)", 2);
        config->hl7.port = p;
    } else if (key == "hl7-listen") {
        QHostAddress address;
        if (v != "any" && !address.setAddress(v)) return fail("hl7-listen takes an IP address of this machine, or any", 2);
        config->hl7.listenAddress = v;
    } else if (key == "backup-folder") {
        config->backup.folder = v.isEmpty() ? QString() : QFileInfo(v).absoluteFilePath();
    } else if (key == "backup-every") {
        bool ok = false;
        const int hours = v.toInt(&ok);
        if (!ok || hours < 0) return fail("backup-every takes a number of hours (0: not scheduled)", 2);
        config->backup.everyHours = hours;
    } else if (key == "tls-cert" || key == "tls-key" || key == "tls-ca") {
        // An empty value turns it off; a file must exist and be readable now, not at the next start.
        if (!v.isEmpty() && !QFileInfo(v).isReadable()) return fail("cannot read " + v, 2);
        QString& field = key == "tls-cert" ? config->local.tlsCert : key == "tls-key" ? config->local.tlsKey : config->local.tlsCa;
        field = v.isEmpty() ? QString() : QFileInfo(v).absoluteFilePath();
    } else {
        return fail(usage, 2);
    }
    if (auto s = config->save(); !s) return fail(QString::fromStdString(s.error().message));
    return 0;
}

int runFind(const QStringList& args)
{
    OnArchive o = onArchive(args, {"--patient-id", "--patient-name", "--accession", "--study", "--modality", "--from", "--to", "--description", "--limit"},
                            {"--json"});
    if (!o.archive) return o.code;
    const CliArgs& a = o.args;
    const ArchiveEntry* archive = o.archive;
    const AppConfig* config = &*o.config;
    storage::StudyQuery q;
    q.patientId = a.value("--patient-id").value_or("").toStdString();
    q.patientName = a.value("--patient-name").value_or("").toStdString();
    q.accession = a.value("--accession").value_or("").toStdString();
    q.studyUid = a.value("--study").value_or("").toStdString();
    q.modality = a.value("--modality").value_or("").toStdString();
    q.fromDate = a.value("--from").value_or("").toStdString();
    q.toDate = a.value("--to").value_or("").toStdString();
    q.description = a.value("--description").value_or("").toStdString();
    q.limit = a.value("--limit").value_or("500").toInt();
    for (const std::string& d : {q.fromDate, q.toDate})
        if (!d.empty() && (d.size() != 8 || d.find_first_not_of("0123456789") != std::string::npos)) return fail("dates are YYYYMMDD", 2);
    stopOnSignals();
    auto r = findRemoteStudies(*archive, config->local, q, cacheDir(a), &g_stop);
    if (!r) return fail(QString::fromStdString(r.error().message));
    if (a.flag("--json")) {
        QJsonArray arr;
        for (const RemoteStudy& s : *r) {
            QJsonObject o = studyJson(s.row);
            // Whether the cache holds it: "yes" (every instance), "partly", "no".
            o["cached"] = s.cachedInstances == 0 ? "no" : s.cachedInstances >= s.row.instanceCount && s.row.instanceCount > 0 ? "yes" : "partly";
            o["cachedInstances"] = s.cachedInstances;
            arr.append(o);
        }
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return 0;
    }
    for (const RemoteStudy& s : *r) {
        QStringList mods;
        for (const auto& m : s.row.modalities) mods << QString::fromStdString(m);
        out() << QString::fromStdString(s.row.studyDate) << "  " << QString::fromStdString(s.row.patientName) << "  ["
              << QString::fromStdString(s.row.patientId) << "]  " << mods.join('/') << "  " << QString::fromStdString(s.row.description) << "  "
              << s.row.instanceCount << " instances  " << QString::fromStdString(s.row.studyUid)
              << (s.cachedInstances ? QStringLiteral("  cached %1").arg(s.cachedInstances) : QString()) << '\n';
    }
    out() << r->size() << " studies on " << archive->name << '\n';
    return 0;
}

int runRetrieve(const QStringList& args)
{
    OnArchive o = onArchive(args, {"--study", "--series", "--method", "--attempts"}, {"--quiet"});
    if (!o.archive) return o.code;
    const CliArgs& a = o.args;
    const ArchiveEntry* archive = o.archive;
    const AppConfig* config = &*o.config;
    if (!a.value("--study")) return fail("usage: lightbox retrieve --archive NAME --study UID [--series UID]... [--method move|get|wado]", 2);
    RetrieveSpec spec;
    spec.archive = *archive;
    spec.local = config->local;
    spec.cacheDir = cacheDir(a);
    spec.studyUid = a.value("--study")->toStdString();
    for (const QString& s : a.values("--series")) spec.seriesUids.push_back(s.toStdString());
    const QString method = a.value("--method").value_or(archive->hasDimse() ? "get" : "wado");
    if (method == "move") spec.method = RetrieveMethod::Move;
    else if (method == "get") spec.method = RetrieveMethod::Get;
    else if (method == "wado") spec.method = RetrieveMethod::Wado;
    else return fail("--method is move, get or wado", 2);
    if (spec.method != RetrieveMethod::Wado && !archive->hasDimse()) return fail("archive " + archive->name + " has no DIMSE settings: use --method wado", 2);
    if (spec.method == RetrieveMethod::Wado && !archive->hasWeb()) return fail("archive " + archive->name + " has no DICOMweb URL", 2);
    if (auto n = a.value("--attempts")) spec.attempts = std::max(1, n->toInt());
    stopOnSignals();
    const bool quiet = a.flag("--quiet");
    const RetrieveReport r = retrieve(spec, [&](const RetrieveProgress& p) {
        if (!quiet) QTextStream(stderr) << "\r" << p.stage << " " << p.done << "/" << p.total << "          " << Qt::flush;
    }, &g_stop);
    if (!quiet) QTextStream(stderr) << "\n";
    for (const std::string& e : r.errors) QTextStream(stderr) << "lightbox: " << QString::fromStdString(e) << '\n';
    out() << "expected " << r.expected << ", already cached " << r.alreadyCached << ", received " << r.received << ", missing " << r.missingCount()
          << " (" << methodName(spec.method) << " from " << archive->name << ")\n";
    if (r.cancelled) return fail("retrieve interrupted: the cache keeps what arrived; run it again to complete");
    return r.complete() ? 0 : 1;
}

// Through the outbox (outbox.h): every instance is queued first, then delivered now; what the
// archive cannot take now (it is unreachable) stays queued for `lightbox service`, and the command
// says so with exit code 75 (EX_TEMPFAIL). With --queue it is only queued (exit code 0).
int runSend(const QStringList& args)
{
    OnArchive o = onArchive(args, {"--study", "--method"}, {"--queue"});
    if (!o.archive) return o.code;
    const CliArgs& a = o.args;
    const ArchiveEntry* archive = o.archive;
    const AppConfig* config = &*o.config;
    if (!a.value("--study")) return fail("usage: lightbox send --archive NAME --study UID [--method store|stow] [--queue]", 2);
    const QString method = a.value("--method").value_or(archive->hasDimse() ? "store" : "stow");
    if (method != "store" && method != "stow") return fail("--method is store or stow", 2);
    const QString study = *a.value("--study");
    auto box = Outbox::open(cacheDir(a));
    if (!box) return fail("outbox: " + QString::fromStdString(box.error().message));
    auto queued = queueStudy(**box, cacheDir(a), *archive, study.toStdString(), method == "stow", "send");
    if (!queued) return fail(QString::fromStdString(queued.error().message));
    if (a.flag("--queue")) {
        out() << "queued " << *queued << " instances for " << archive->name << ": lightbox service delivers them (lightbox queue shows what waits)\n";
        return 0;
    }
    stopOnSignals();
    deliverDue(**box, *config, cacheDir(a), archive->name, &g_stop);
    int waiting = 0, failed = 0;
    QString why;
    for (const OutboxItem& i : (*box)->items())
        if (i.archive == archive->name && i.studyUid == study) {
            if (i.state == OutboxItem::State::Failed) {
                ++failed;
                QTextStream(stderr) << "lightbox: not sent: " << i.sopUid << ": " << i.lastError << '\n';
            } else {
                ++waiting;
                why = i.lastError;
            }
        }
    out() << "sent " << *queued - waiting - failed << " of " << *queued << " instances to " << archive->name << '\n';
    if (failed > 0) return 1;
    if (waiting == 0) return 0;
    QTextStream(stderr) << "lightbox: " << archive->name << " cannot take them now (" << why << "): " << waiting
                        << " instances wait in the outbox; lightbox service delivers them when it is back (lightbox queue shows them)\n";
    return 75;
}

net::MllpOptions mllpOptions(const AppConfig& config)
{
    net::MllpOptions o;
    o.port = config.hl7.port;
    o.listenAddress = config.hl7.listenAddress == "any" ? "0.0.0.0" : config.hl7.listenAddress.toStdString();
    o.identity.application = "LIGHTBOX";
    o.identity.facility = config.local.aeTitle.toStdString();
    for (const Hl7Sender& s : config.hl7.senders) {
        net::Hl7Sender x{s.name.toStdString(), {}, s.application.toStdString(), s.facility.toStdString()};
        for (const QString& h : s.hosts) x.hosts.push_back(h.toStdString());
        o.senders.push_back(x);
    }
    return o;
}

int runListen(const QStringList& args)
{
    CliArgs a(args, kCommon + QStringList{"--aet", "--port", "--rules"}, {});
    if (!a.ok()) return fail(a.error(), 2);
    int code = 0;
    auto config = loadConfig(a, &code);
    if (!config) return code;
    net::ListenerOptions lo = listenerOptions(*config);
    if (auto aet = a.value("--aet")) lo.aeTitle = aet->toStdString();
    if (auto port = a.value("--port")) lo.port = port->toInt();
    auto receiver = storage::Receiver::open(cacheDir(a).toStdString(), "listen");
    if (!receiver) return fail(QString::fromStdString(receiver.error().message));
    ReceiverSink sink(**receiver);
    // Routing (router.h): what peers push to us and the cache stored now goes to the rules'
    // archives through the outbox, queued before the sender hears "stored".
    auto routing = RoutingRules::load(RoutingRules::pathBeside(config->path()));
    if (!routing) return fail(QString::fromStdString(routing.error().message));
    std::unique_ptr<Router> router;
    if (!routing->rules.empty()) {
        auto opened = Router::open(*config, cacheDir(a), *routing);
        if (!opened) return fail("routing: " + QString::fromStdString(opened.error().message));
        router = std::move(*opened);
    }
    const auto outbox = outboxLoop(*config, cacheDir(a));
    if (router)
        sink.setOnKept([&router, &outbox](const storage::Arrival& arrival, const std::string& origin) {
            const RouteOutcome r = router->received(arrival, origin);
            for (const QString& line : r.said) QTextStream(stdout) << line << '\n' << Qt::flush;
            if (r.queued > 0) outbox->wake();
        });
    net::StorageListener listener(lo, sink);
    listener.setOnReceived([](const std::string& ae, const std::string& sop) {
        QTextStream(stdout) << "received " << QString::fromStdString(sop) << " from " << QString::fromStdString(ae) << '\n' << Qt::flush;
    });
    listener.setOnRefused([](const std::string& ae, const std::string& sop, const std::string& why) {
        QTextStream(stdout) << "refused " << QString::fromStdString(sop) << " from " << QString::fromStdString(ae) << ": "
                            << QString::fromStdString(why) << '\n' << Qt::flush;
    });
    listener.setOnRefusedCaller([](const net::RefusedCaller& c) {
        QTextStream(stdout) << QString::fromStdString(auditRefusedCaller(c)) << '\n' << Qt::flush;
    });
    if (auto s = listener.start(); !s) return fail(QString::fromStdString(s.error().message));
    for (const std::string& w : listener.warnings()) QTextStream(stderr) << "lightbox: " << QString::fromStdString(w) << '\n';
    if (lo.peers.empty())
        QTextStream(stderr) << "lightbox: no peer may send to this listener yet: lightbox archive add NAME --aet AET --host HOST [--accepts echo,store]\n";
    if (router) out() << "routing by " << router->rules().rules.size() << " rules\n" << Qt::flush;
    out() << "listening as " << QString::fromStdString(lo.aeTitle) << " on port " << lo.port << (lo.tls.enabled ? " with TLS" : "") << " for "
          << lo.peers.size() << " known peers (Ctrl+C stops)\n" << Qt::flush;
    stopOnSignals();
    // Orders over HL7 (when a port is set) into the work queue, and prefetch by the rules on a
    // thread of its own: at once after each order, and every 30 s for what became due.
    const QString rulesPath = a.value("--rules").value_or(PrefetchRules::defaultPath());
    auto rules = PrefetchRules::load(rulesPath);
    if (!rules) return fail(QString::fromStdString(rules.error().message));
    OrderIntake intake(cacheDir(a));
    std::unique_ptr<net::MllpServer> hl7;
    const auto prefetch = prefetchLoop(*config, cacheDir(a), *rules, 30, rulesPath);
    intake.setOnAccepted([&prefetch](const QString& said) {
        QTextStream(stdout) << "hl7: " << said << '\n' << Qt::flush;
        prefetch->wake();
    });
    if (config->hl7.port > 0) {
        hl7 = std::make_unique<net::MllpServer>(mllpOptions(*config), [&intake](const net::Hl7Message& m, const std::string& sender) {
            return intake.handle(m, sender);
        });
        hl7->setOnRefusedCaller([](const net::RefusedHl7Caller& c) {
            QTextStream(stdout) << "hl7: refused " << QString::fromStdString(c.address) << ": " << QString::fromStdString(c.reason) << '\n' << Qt::flush;
        });
        if (auto s = hl7->start(); !s) return fail("HL7 listener: " + QString::fromStdString(s.error().message));
        for (const std::string& w : hl7->warnings()) QTextStream(stderr) << "lightbox: hl7: " << QString::fromStdString(w) << '\n';
        out() << "HL7 on port " << hl7->port() << " for " << config->hl7.senders.size() << " senders\n" << Qt::flush;
    }
    const auto said = [](const QString& line) { QTextStream(stdout) << line << '\n' << Qt::flush; };
    prefetch->setOnReport(said);
    prefetch->start();
    // What must reach an archive (outbox.h): delivered exactly once, retried with back-off.
    outbox->setOnReport(said);
    outbox->start();
    // Worklists (when sources are set) asked each at its interval; new orders wake the prefetch.
    BackgroundLoop* prefetchThread = prefetch.get();
    const auto worklists = worklistPollLoop(*config, cacheDir(a), [prefetchThread] { prefetchThread->wake(); });
    worklists->setOnReport(said);
    if (!config->worklists.empty()) {
        worklists->start();
        out() << "polling " << config->worklists.size() << " worklists\n" << Qt::flush;
    }
    // The audit trail goes to the repository (when one is set) every 5 s while listening; a
    // scheduled backup runs when due (checked now and every 5 s: a look at the backup folder).
    BackupRunner backups(config->backup, cacheDir(a));
    for (int tick = 0; !g_stop; ++tick) {
        if (tick % 25 == 0)
            if (const QString said = backups.tick(); !said.isEmpty()) out() << said << '\n' << Qt::flush;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (tick % 25 == 24) forwardTrail(2000);
    }
    worklists->stop();
    outbox->stop();
    prefetch->stop();
    if (hl7) hl7->stop();
    listener.stop();
    (*receiver)->flush();
    const auto c = (*receiver)->counters();
    out() << "stored " << c.stored << ", already present " << c.alreadyPresent << ", rejected " << c.rejected << '\n';
    return 0;
}

}  // namespace lightbox::app
