#include "text_search.h"

#include <QString>

namespace lightbox::storage {

std::string normalizeForSearch(const std::string& utf8)
{
    const QString decomposed = QString::fromUtf8(utf8).normalized(QString::NormalizationForm_KD);
    QString out;
    out.reserve(decomposed.size());
    bool space = false;
    for (QChar c : decomposed) {
        if (c.category() == QChar::Mark_NonSpacing) continue;
        if (c == QLatin1Char('^') || c.isSpace() || c == QChar(0)) {
            space = !out.isEmpty();
            continue;
        }
        if (space) {
            out += QLatin1Char(' ');
            space = false;
        }
        out += c;
    }
    return out.toCaseFolded().toStdString();
}

std::vector<std::string> personNameGroups(const std::string& pn)
{
    std::vector<std::string> groups;
    size_t start = 0;
    while (true) {
        const size_t end = pn.find('=', start);
        std::string g = normalizeForSearch(pn.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (!g.empty()) groups.push_back(std::move(g));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return groups;
}

std::string toGlob(const std::string& userPattern, bool prefixIfPlain)
{
    // Normalise the literal parts while keeping the wildcards.
    std::string glob;
    std::string literal;
    bool wildcard = false;
    auto flush = [&] {
        if (literal.empty()) return;
        // normalizeForSearch trims; keep inner spaces meaningful but not leading/trailing ones.
        const std::string n = normalizeForSearch(literal);
        for (char ch : n) {
            if (ch == '[' || ch == ']') {
                glob += '[';
                glob += ch;
                glob += ']';
            } else {
                glob += ch;
            }
        }
        literal.clear();
    };
    for (char ch : userPattern) {
        if (ch == '*' || ch == '?') {
            flush();
            glob += ch;
            wildcard = true;
        } else {
            literal += ch;
        }
    }
    flush();
    if (!wildcard) glob = prefixIfPlain ? glob + "*" : "*" + glob + "*";
    return glob;
}

bool hasLiteralPrefix(const std::string& glob) { return !glob.empty() && glob[0] != '*' && glob[0] != '?' && glob[0] != '['; }

}  // namespace lightbox::storage
