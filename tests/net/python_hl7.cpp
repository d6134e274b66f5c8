#include "python_hl7.h"

#include <QProcess>

namespace lightbox::testing {

PythonRun runPythonHl7(const QString& script, const QByteArray& input, const QStringList& args)
{
    QProcess p;
    p.start("/usr/bin/python3", QStringList{"-c", script} + args);
    PythonRun r;
    if (!p.waitForStarted(10000)) {
        r.err = "cannot start /usr/bin/python3";
        return r;
    }
    p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(60000);
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

}  // namespace lightbox::testing
