#pragma once
// The hanging protocols Lightbox knows: those shipped (resources/protocols, compiled in) and the
// user's own JSON files in the settings folder's protocols/ (one protocol per file; a user
// protocol with a shipped one's name replaces it). A file that cannot be read is reported and
// left out; it never stops the others.
#include "hanging_protocol.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::app {

struct ProtocolLibrary {
    std::vector<HangingProtocol> protocols;
    QStringList problems;  // "FILE: reason"

    // `userFolder` empty: shipped protocols only.
    static ProtocolLibrary load(const QString& userFolder);
    // The user's protocol folder beside a settings file (protocols/ next to lightbox.json).
    static QString userFolderFor(const QString& configPath);
    const HangingProtocol* find(const QString& name) const;
    // Saves a protocol as the user's own (NAME.json, atomically); the file's path.
    static Result<QString> save(const HangingProtocol& p, const QString& userFolder);
};

}  // namespace lightbox::app
