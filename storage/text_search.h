#pragma once
// Search text normalisation: case- and accent-insensitive matching of names and descriptions in
// any script, and DICOM-style wildcard patterns (* and ?) turned into SQLite GLOB patterns.
#include <string>
#include <vector>

namespace lightbox::storage {

// Case folding (full Unicode), accents removed (NFKD minus combining marks), '^' and runs of
// spaces made single spaces, trimmed. "Jérôme^BUC" -> "jerome buc".
std::string normalizeForSearch(const std::string& utf8);

// The normalised component groups of a PN value (alphabetic, ideographic, phonetic), empty ones
// left out. "Yamada^Tarou=山田^太郎=やまだ^たろう" -> {"yamada tarou", "山田 太郎", "やまだ たろう"}.
std::vector<std::string> personNameGroups(const std::string& utf8Pn);

// A user pattern as a GLOB pattern over normalised text. '*' and '?' keep their meaning, GLOB's
// other metacharacters are escaped; without a wildcard the pattern matches as a prefix
// (`prefixIfPlain`) or as a substring.
std::string toGlob(const std::string& userPattern, bool prefixIfPlain);

// True if the pattern has a literal prefix an index can use (does not start with a wildcard).
bool hasLiteralPrefix(const std::string& glob);

}  // namespace lightbox::storage
