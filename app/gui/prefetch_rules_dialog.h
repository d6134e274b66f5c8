#pragma once
// The prefetch rules (prefetch.json) edited in a dialog: the list of rules in the order they are
// tried (the first whose orders match applies: add, remove, move up and down) and the selected
// rule's fields (prefetch_rule_form.h). Saving checks every rule with the rules' own reader and
// names the first mistake, writing nothing until all are right; it goes through
// PrefetchRules::save (settings permission, atomic 0600 file, audited). Without the permission
// to change settings the rules are shown, not edited.
#include <QDialog>
#include <QJsonObject>

#include <vector>

class QLabel;
class QListWidget;
class QPushButton;

namespace lightbox::app {

class PrefetchRuleForm;

class PrefetchRulesDialog : public QDialog {
    Q_OBJECT
public:
    PrefetchRulesDialog(const QString& path, QWidget* parent = nullptr);

    // Checks and writes the rules; empty when saved, else what is wrong (also shown in the dialog).
    QString save();
    QString problem() const;
    PrefetchRuleForm* form() const { return m_form; }

private:
    QWidget* buildList();
    void select(int row);
    void keepForm();
    void move(int by);
    void refreshNames();

    QString m_path;
    std::vector<QJsonObject> m_rules;
    int m_current = -1;
    QListWidget* m_list = nullptr;
    PrefetchRuleForm* m_form = nullptr;
    QLabel* m_problem = nullptr;
    QPushButton *m_add = nullptr, *m_remove = nullptr, *m_up = nullptr, *m_down = nullptr;
};

}  // namespace lightbox::app
