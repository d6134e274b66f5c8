#pragma once
// The line between `lightbox open` and the running Lightbox of the same user and cache: a local
// (Unix) socket in the user's runtime folder, one request line, JSON replies one per line.
//
// Where: $XDG_RUNTIME_DIR/lightbox/launch-<16 hex digits of SHA-256 of the cache's path> (Qt's
// runtime location when XDG_RUNTIME_DIR is unset), so two caches never share a socket. The folder
// is made 0700 and must belong to the user with no access for group or others, else nothing
// listens or connects there. The server also checks each caller's uid (SO_PEERCRED).
//
// Replies: {"state":"accepted", "study", "patientName", "patientId", "source", "pid"} once the
// study is known (found in the cache, or found on an archive and queued for retrieval);
// {"state":"refused","error"} instead when it cannot be opened; with a screenshot folder, then
// {"state":"shown","files":[...]} or {"state":"failed","error"} once the layout is painted.
#include "launch_request.h"

#include <QJsonObject>
#include <QString>

#include <functional>

namespace lightbox::app {

// The socket path for a cache (its folder made and checked); an error says why it is unsafe.
Result<QString> launchSocketPath(const QString& cacheDir);
// The lock file the serving Lightbox holds beside it.
QString launchLockPath(const QString& socketPath);

// True for the replies after which nothing more comes.
bool isFinalLaunchReply(const QJsonObject& reply, bool waitingForScreenshots);

// Sends the request to the Lightbox listening on `socketPath` and reads its replies (each given to
// `onReply`) until the final one, which is returned. Error "no-instance" when nothing listens there
// (no socket, or a stale one); "timeout" or "protocol" when the instance does not answer properly.
Result<QJsonObject> deliverLaunch(const QString& socketPath, const LaunchRequest& request, const std::function<void(const QJsonObject&)>& onReply,
                                  int replyTimeoutMs = 600000);

// What a reply says, for people (one line).
QString launchReplyText(const QJsonObject& reply);

}  // namespace lightbox::app
