#include "archives_dialog.h"

#include "network_service.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace lightbox::app {

namespace {

QLineEdit* lineEdit(QWidget* parent, const QString& placeholder = {})
{
    auto* e = new QLineEdit(parent);
    e->setPlaceholderText(placeholder);
    return e;
}

}  // namespace

ArchivesDialog::ArchivesDialog(NetworkService& network, QWidget* parent) : QDialog(parent), m_network(network), m_config(network.config())
{
    setWindowTitle(tr("Archives"));
    QLayout* left = buildArchiveList();
    createArchiveFields();
    QLayout* right = buildArchiveForm();
    QWidget* local = buildLocalNode();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    auto* top = new QHBoxLayout;
    top->addLayout(left, 1);
    top->addLayout(right, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(local);
    layout->addWidget(buttons);

    for (const ArchiveEntry& e : m_config.archives) m_list->addItem(e.name);
    connect(m_list, &QListWidget::currentRowChanged, this, &ArchivesDialog::select);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const QString error = save();
        if (error.isEmpty()) accept();
        else QMessageBox::warning(this, tr("Archives"), error);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    if (!m_config.archives.empty()) m_list->setCurrentRow(0);
    resize(900, 640);
}

// The archives by name, with Add and Remove under them.
QLayout* ArchivesDialog::buildArchiveList()
{
    m_list = new QListWidget(this);
    auto* add = new QPushButton(tr("Add"), this);
    auto* remove = new QPushButton(tr("Remove"), this);
    auto* left = new QVBoxLayout;
    left->addWidget(m_list, 1);
    auto* listButtons = new QHBoxLayout;
    listButtons->addWidget(add);
    listButtons->addWidget(remove);
    left->addLayout(listButtons);
    connect(add, &QPushButton::clicked, this, [this] {
        ArchiveEntry e;
        e.name = tr("archive %1").arg(m_config.archives.size() + 1);
        addArchive(e);
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row < 0) return;
        m_current = -1;
        m_config.archives.erase(m_config.archives.begin() + row);
        delete m_list->takeItem(row);
    });
    return left;
}

void ArchivesDialog::createArchiveFields()
{
    m_name = lineEdit(this, tr("a name for people"));
    m_aet = lineEdit(this, tr("the archive's AE title"));
    m_host = lineEdit(this, tr("host name or address"));
    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("none (it only sends to us)"));
    m_port->setValue(104);
    m_tls = new QCheckBox(tr("DICOM TLS"), this);
    m_ca = lineEdit(this, tr("CA certificate (PEM) to verify the archive"));
    m_cert = lineEdit(this, tr("our certificate (PEM), if the archive asks for one"));
    m_key = lineEdit(this, tr("its private key (PEM)"));
    m_verify = new QCheckBox(tr("Verify the archive's certificate"), this);
    m_verify->setChecked(true);
    m_url = lineEdit(this, tr("https://host/dicom-web"));
    m_user = lineEdit(this, tr("user (basic authentication)"));
    m_password = lineEdit(this);
    m_password->setEchoMode(QLineEdit::Password);
    m_token = lineEdit(this, tr("bearer token (instead of user and password)"));
    m_token->setEchoMode(QLineEdit::Password);
    m_webCa = lineEdit(this, tr("CA certificate (PEM), if not one of the system's"));
    m_webVerify = new QCheckBox(tr("Verify the server's certificate"), this);
    m_webVerify->setChecked(true);
    m_timeout = new QSpinBox(this);
    m_timeout->setRange(1, 600);
    m_timeout->setValue(30);
    m_timeout->setSuffix(tr(" s"));
}

// The selected archive: its name, DIMSE and DICOMweb settings, and its test.
QLayout* ArchivesDialog::buildArchiveForm()
{
    auto* dimse = new QGroupBox(tr("DIMSE (C-FIND, C-MOVE, C-GET, C-STORE)"), this);
    auto* df = new QFormLayout(dimse);
    df->addRow(tr("AE title"), m_aet);
    df->addRow(tr("Host"), m_host);
    df->addRow(tr("Port"), m_port);
    df->addRow(m_tls);
    df->addRow(tr("CA"), m_ca);
    df->addRow(tr("Certificate"), m_cert);
    df->addRow(tr("Key"), m_key);
    df->addRow(m_verify);
    auto* web = new QGroupBox(tr("DICOMweb (QIDO-RS, WADO-RS, STOW-RS)"), this);
    auto* wf = new QFormLayout(web);
    wf->addRow(tr("URL"), m_url);
    wf->addRow(tr("User"), m_user);
    wf->addRow(tr("Password"), m_password);
    wf->addRow(tr("Token"), m_token);
    wf->addRow(tr("CA"), m_webCa);
    wf->addRow(m_webVerify);
    auto* test = new QPushButton(tr("Test"), this);
    m_result = new QLabel(this);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* right = new QVBoxLayout;
    auto* nameForm = new QFormLayout;
    nameForm->addRow(tr("Name"), m_name);
    nameForm->addRow(tr("Timeout"), m_timeout);
    right->addLayout(nameForm);
    right->addWidget(dimse);
    right->addWidget(web);
    auto* testRow = new QHBoxLayout;
    testRow->addWidget(test);
    testRow->addWidget(m_result, 1);
    right->addLayout(testRow);
    connect(test, &QPushButton::clicked, this, &ArchivesDialog::testSelected);
    return right;
}

// Lightbox's own DICOM node: AE title, storage port, the listener and its TLS.
QWidget* ArchivesDialog::buildLocalNode()
{
    auto* local = new QGroupBox(tr("Lightbox on the network"), this);
    auto* lf = new QFormLayout(local);
    m_localAet = lineEdit(this);
    m_localAet->setMaxLength(16);
    m_localAet->setText(m_config.local.aeTitle);
    m_localPort = new QSpinBox(this);
    m_localPort->setRange(1, 65535);
    m_localPort->setValue(m_config.local.port);
    m_listen = new QCheckBox(tr("Receive images (storage listener: archives send C-MOVE results and modalities send images here)"), this);
    m_listen->setChecked(m_config.local.listen);
    m_localCert = lineEdit(this, tr("certificate (PEM) for DICOM TLS; empty: no TLS"));
    m_localCert->setText(m_config.local.tlsCert);
    m_localKey = lineEdit(this, tr("its private key (PEM)"));
    m_localKey->setText(m_config.local.tlsKey);
    m_localCa = lineEdit(this, tr("CA (PEM) that callers' certificates must be signed by; empty: any caller"));
    m_localCa->setText(m_config.local.tlsCa);
    lf->addRow(tr("AE title"), m_localAet);
    lf->addRow(tr("Storage port"), m_localPort);
    lf->addRow(m_listen);
    lf->addRow(tr("TLS certificate"), m_localCert);
    lf->addRow(tr("TLS key"), m_localKey);
    lf->addRow(tr("TLS callers' CA"), m_localCa);
    return local;
}

ArchiveEntry ArchivesDialog::formEntry() const
{
    ArchiveEntry e;
    e.name = m_name->text().trimmed();
    e.aeTitle = m_aet->text().trimmed();
    e.host = m_host->text().trimmed();
    e.port = m_port->value();
    e.tls = m_tls->isChecked();
    e.caFile = m_ca->text().trimmed();
    e.certFile = m_cert->text().trimmed();
    e.keyFile = m_key->text().trimmed();
    e.verify = m_verify->isChecked();
    e.url = m_url->text().trimmed();
    e.user = m_user->text().trimmed();
    e.password = m_password->text();
    e.token = m_token->text();
    e.webCaFile = m_webCa->text().trimmed();
    e.webVerify = m_webVerify->isChecked();
    e.timeoutSeconds = m_timeout->value();
    return e;
}

void ArchivesDialog::setFormEntry(const ArchiveEntry& e)
{
    m_name->setText(e.name);
    m_aet->setText(e.aeTitle);
    m_host->setText(e.host);
    m_port->setValue(e.port);
    m_tls->setChecked(e.tls);
    m_ca->setText(e.caFile);
    m_cert->setText(e.certFile);
    m_key->setText(e.keyFile);
    m_verify->setChecked(e.verify);
    m_url->setText(e.url);
    m_user->setText(e.user);
    m_password->setText(e.password);
    m_token->setText(e.token);
    m_webCa->setText(e.webCaFile);
    m_webVerify->setChecked(e.webVerify);
    m_timeout->setValue(e.timeoutSeconds);
    m_result->clear();
    if (!e.secretProblem.isEmpty()) m_result->setText(e.secretProblem);  // "… could not be read …: enter it again"
}

void ArchivesDialog::addArchive(const ArchiveEntry& e)
{
    commitForm();
    m_config.archives.push_back(e);
    m_list->addItem(e.name);
    m_list->setCurrentRow(m_list->count() - 1);
}

void ArchivesDialog::commitForm()
{
    if (m_current < 0 || m_current >= int(m_config.archives.size())) return;
    ArchiveEntry e = formEntry();
    // A secret that could not be read and was not entered again keeps its stored form.
    const ArchiveEntry& old = m_config.archives[size_t(m_current)];
    // What the form does not show (who may call us, and how far it is trusted) stays as it was.
    e.acceptsEcho = old.acceptsEcho;
    e.acceptsStore = old.acceptsStore;
    e.fromHosts = old.fromHosts;
    e.priors = old.priors;
    if (e.password.isEmpty()) e.unreadPassword = old.unreadPassword;
    if (e.token.isEmpty()) e.unreadToken = old.unreadToken;
    if (e.password.isEmpty() && e.token.isEmpty()) e.secretProblem = old.secretProblem;
    m_config.archives[size_t(m_current)] = e;
    if (QListWidgetItem* item = m_list->item(m_current)) item->setText(m_config.archives[size_t(m_current)].name);
}

void ArchivesDialog::select(int row)
{
    commitForm();
    m_current = row;
    if (row >= 0 && row < int(m_config.archives.size())) setFormEntry(m_config.archives[size_t(row)]);
}

void ArchivesDialog::testSelected()
{
    m_testing = true;
    m_result->setText(tr("Testing…"));
    auto* w = new QFutureWatcher<QString>(this);
    connect(w, &QFutureWatcher<QString>::finished, this, [this, w] {
        w->deleteLater();
        m_testing = false;
        const QString problems = w->result();
        m_result->setText(problems.isEmpty() ? tr("It works.") : problems);
        m_result->setStyleSheet(problems.isEmpty() ? "color: #1a7f37" : "color: #c62828");
        emit tested(m_result->text());
    });
    w->setFuture(m_network.test(formEntry()));
}

QString ArchivesDialog::testResult() const { return m_result->text(); }

QString ArchivesDialog::save()
{
    commitForm();
    for (const ArchiveEntry& e : m_config.archives) {
        if (e.name.isEmpty()) return tr("Every archive needs a name.");
        if (!e.hasDimse() && !e.hasWeb()) return tr("%1: give DIMSE or DICOMweb settings.").arg(e.name);
        if (e.hasDimse() && (e.aeTitle.isEmpty() || e.aeTitle.size() > 16)) return tr("%1: the AE title has 1 to 16 characters.").arg(e.name);
    }
    if (m_localAet->text().trimmed().isEmpty()) return tr("Lightbox needs an AE title.");
    m_config.local.aeTitle = m_localAet->text().trimmed();
    m_config.local.port = m_localPort->value();
    m_config.local.listen = m_listen->isChecked();
    m_config.local.tlsCert = m_localCert->text().trimmed();
    m_config.local.tlsKey = m_localKey->text().trimmed();
    m_config.local.tlsCa = m_localCa->text().trimmed();
    if (m_config.local.tlsCert.isEmpty() != m_config.local.tlsKey.isEmpty()) return tr("DICOM TLS for Lightbox needs both a certificate and its key.");
    for (const QString& f : {m_config.local.tlsCert, m_config.local.tlsKey, m_config.local.tlsCa})
        if (!f.isEmpty() && !QFileInfo(f).isReadable()) return tr("Cannot read %1.").arg(f);
    return m_network.setConfig(m_config);
}

}  // namespace lightbox::app
