#include "cli_args.h"

namespace lightbox::app {

CliArgs::CliArgs(const QStringList& args, const QStringList& valueOptions, const QStringList& flags)
{
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a.startsWith("--") && a.size() > 2) {
            QString name = a, inlineValue;
            const int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.left(eq);
                inlineValue = a.mid(eq + 1);
            }
            if (valueOptions.contains(name)) {
                if (eq > 0) {
                    m_values.append({name, inlineValue});
                } else if (i + 1 < args.size()) {
                    m_values.append({name, args[++i]});
                } else {
                    m_error = QStringLiteral("option %1 needs a value").arg(name);
                    return;
                }
            } else if (flags.contains(name) && eq < 0) {
                m_flags.append(name);
            } else {
                m_error = QStringLiteral("unknown option %1").arg(name);
                return;
            }
        } else {
            m_positional.append(a);
        }
    }
}

std::optional<QString> CliArgs::value(const QString& option) const
{
    for (auto it = m_values.crbegin(); it != m_values.crend(); ++it)
        if (it->first == option) return it->second;
    return std::nullopt;
}

QStringList CliArgs::values(const QString& option) const
{
    QStringList out;
    for (const auto& v : m_values)
        if (v.first == option) out.append(v.second);
    return out;
}

}  // namespace lightbox::app
