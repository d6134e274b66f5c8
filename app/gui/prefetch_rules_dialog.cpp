#include "prefetch_rules_dialog.h"

#include "auditor.h"
#include "prefetch_rule_form.h"
#include "prefetch_rules.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace lightbox::app {

namespace {

QPushButton* button(QWidget* parent, const QString& name, const QString& text)
{
    auto* b = new QPushButton(text, parent);
    b->setObjectName(name);
    return b;
}

}  // namespace

PrefetchRulesDialog::PrefetchRulesDialog(const QString& path, QWidget* parent) : QDialog(parent), m_path(path)
{
    setWindowTitle(tr("Prefetch rules"));
    m_form = new PrefetchRuleForm(this);
    m_problem = new QLabel(this);
    m_problem->setObjectName("problem");
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet("color: #c62828");
    auto* intro = new QLabel(tr("Studies brought into the cache ahead of each order. Rules are tried from the top: the first whose orders "
                                "match applies. Saved to %1.")
                                 .arg(path),
                             this);
    intro->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);

    auto* top = new QHBoxLayout;
    top->addWidget(buildList(), 1);
    top->addWidget(m_form, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(top, 1);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    // The file's rules, or the shipped default when there is none (or it cannot be read: said).
    auto rules = PrefetchRules::load(path);
    if (!rules) m_problem->setText(tr("%1\nShown instead: the shipped default; saving replaces the file.").arg(QString::fromStdString(rules.error().message)));
    for (const QJsonValue& r : (rules ? *rules : PrefetchRules::shippedDefault()).toJson()["rules"].toArray()) m_rules.push_back(r.toObject());
    refreshNames();

    const auto auditor = security::currentAuditor();
    const bool mayChange = !auditor || auditor->identity().may(security::Permission::Configure);
    if (!mayChange) {
        m_problem->setText(tr("Shown only: changing the prefetch rules needs the permission to change settings."));
        for (QWidget* w : {static_cast<QWidget*>(m_form), static_cast<QWidget*>(m_add), static_cast<QWidget*>(m_remove), static_cast<QWidget*>(m_up),
                           static_cast<QWidget*>(m_down)})
            w->setEnabled(false);
        buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    }
    connect(m_list, &QListWidget::currentRowChanged, this, &PrefetchRulesDialog::select);
    connect(m_form, &PrefetchRuleForm::nameEdited, this, [this](const QString& name) {
        if (QListWidgetItem* item = m_list->item(m_current)) item->setText(name);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (save().isEmpty()) accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_list->setCurrentRow(0);
    resize(980, 620);
}

// The rules by name, in the order they are tried, with Add, Remove, Up and Down beside them.
QWidget* PrefetchRulesDialog::buildList()
{
    auto* box = new QWidget(this);
    m_list = new QListWidget(box);
    m_list->setObjectName("rules");
    m_add = button(box, "add", tr("Add"));
    m_remove = button(box, "remove", tr("Remove"));
    m_up = button(box, "up", tr("Up"));
    m_down = button(box, "down", tr("Down"));
    auto* row1 = new QHBoxLayout;
    row1->addWidget(m_add);
    row1->addWidget(m_remove);
    auto* row2 = new QHBoxLayout;
    row2->addWidget(m_up);
    row2->addWidget(m_down);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_list, 1);
    layout->addLayout(row1);
    layout->addLayout(row2);
    connect(m_add, &QPushButton::clicked, this, [this] {
        keepForm();
        QJsonObject rule = PrefetchRules::shippedDefault().toJson()["rules"].toArray().first().toObject();
        rule["name"] = tr("rule %1").arg(m_rules.size() + 1);
        m_rules.push_back(rule);
        m_current = -1;  // the form's rule is kept already
        refreshNames();
        m_list->setCurrentRow(int(m_rules.size()) - 1);
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row < 0) return;
        m_rules.erase(m_rules.begin() + row);
        m_current = -1;  // nothing of the removed rule's form is kept
        refreshNames();
        m_list->setCurrentRow(std::min(row, int(m_rules.size()) - 1));
    });
    connect(m_up, &QPushButton::clicked, this, [this] { move(-1); });
    connect(m_down, &QPushButton::clicked, this, [this] { move(+1); });
    return box;
}

void PrefetchRulesDialog::refreshNames()
{
    const QSignalBlocker quiet(m_list);
    m_list->clear();
    for (const QJsonObject& r : m_rules) m_list->addItem(r["name"].toString());
    m_form->setVisible(!m_rules.empty());
}

void PrefetchRulesDialog::keepForm()
{
    if (m_current >= 0 && m_current < int(m_rules.size())) m_rules[std::size_t(m_current)] = m_form->rule();
}

void PrefetchRulesDialog::select(int row)
{
    keepForm();
    m_current = row;
    if (row >= 0 && row < int(m_rules.size())) m_form->show(m_rules[std::size_t(row)]);
}

void PrefetchRulesDialog::move(int by)
{
    const int row = m_list->currentRow(), to = row + by;
    if (row < 0 || to < 0 || to >= int(m_rules.size())) return;
    keepForm();
    std::swap(m_rules[std::size_t(row)], m_rules[std::size_t(to)]);
    m_current = -1;  // both kept
    refreshNames();
    m_list->setCurrentRow(to);
}

QString PrefetchRulesDialog::save()
{
    keepForm();
    QJsonArray list;
    for (const QJsonObject& r : m_rules) list.append(r);
    // The rules' own reader checks what the form holds: the same messages as for a file.
    auto rules = PrefetchRules::fromJson(QJsonObject{{"version", 1}, {"rules", list}});
    Status saved = rules ? rules->save(m_path) : Status(rules.error());
    const QString problem = saved ? QString() : QString::fromStdString(saved.error().message);
    m_problem->setText(problem);
    // The rule at fault ("rule 2 (chest): ...") is shown, to be put right.
    const QRegularExpressionMatch fault = QRegularExpression("^rule (\\d+)").match(problem);
    if (fault.hasMatch()) m_list->setCurrentRow(fault.captured(1).toInt() - 1);
    return problem;
}

QString PrefetchRulesDialog::problem() const { return m_problem->text(); }

}  // namespace lightbox::app
