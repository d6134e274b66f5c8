#pragma once
// The HL7 tests' independent oracle: Debian's python3-hl7, run by /usr/bin/python3. A missing
// package fails the test (the script's import fails), it is never skipped.
#include <QByteArray>
#include <QString>
#include <QStringList>

namespace lightbox::testing {

struct PythonRun {
    int exitCode = -1;
    QByteArray out;  // stdout
    QByteArray err;  // stderr, for the failure message
};

// Runs `script` (Python, may `import hl7`) with `input` on stdin and `args` in sys.argv[1:].
PythonRun runPythonHl7(const QString& script, const QByteArray& input = {}, const QStringList& args = {});

}  // namespace lightbox::testing
