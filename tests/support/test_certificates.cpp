#include "test_certificates.h"

#include "test_support.h"

#include <QDir>
#include <QFile>

namespace lightbox::test {

TestCertificates makeTestCertificates(const QString& folder)
{
    TestCertificates c;
    QDir().mkpath(folder);
    auto ssl = [&](const QStringList& args) {
        const ProcessResult r = run("openssl", args, 60000, folder);
        if (!r.ok() && c.error.isEmpty()) c.error = "openssl " + args.join(' ') + ": " + QString::fromUtf8(r.err);
        return r.ok();
    };
    QFile ext(folder + "/san.ext");
    if (!ext.open(QIODevice::WriteOnly)) return c;
    ext.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
              "extendedKeyUsage=serverAuth,clientAuth\n");
    ext.close();
    const bool ok = ssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Lightbox Test CA", "-keyout", "ca.key", "-out", "ca.pem"}) &&
                    ssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA", "-keyout", "other.key", "-out", "other.pem"}) &&
                    ssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"}) &&
                    ssl({"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext",
                         "-out", "server.pem"});
    if (!ok) return c;
    QFile key(folder + "/server.key"), cert(folder + "/server.pem"), both(folder + "/server-combined.pem");
    if (!key.open(QIODevice::ReadOnly) || !cert.open(QIODevice::ReadOnly) || !both.open(QIODevice::WriteOnly)) return c;
    both.write(key.readAll() + cert.readAll());
    both.close();
    c.caCert = folder + "/ca.pem";
    c.serverCert = folder + "/server.pem";
    c.serverKey = folder + "/server.key";
    c.serverCombined = folder + "/server-combined.pem";
    c.otherCaCert = folder + "/other.pem";
    c.ok = true;
    return c;
}

}  // namespace lightbox::test
