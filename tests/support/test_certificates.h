#pragma once
// A throw-away certificate authority for TLS tests, made with the openssl tool: a CA, a server
// certificate for 127.0.0.1/localhost signed by it, and a second, unrelated CA (for "untrusted").
#include <QString>

namespace lightbox::test {

struct TestCertificates {
    QString caCert;          // PEM
    QString serverCert;      // PEM
    QString serverKey;       // PEM, unencrypted
    QString serverCombined;  // key + certificate in one PEM (Orthanc's SslCertificate)
    QString otherCaCert;     // a CA that signed nothing here
    bool ok = false;
    QString error;
};

TestCertificates makeTestCertificates(const QString& folder);

}  // namespace lightbox::test
