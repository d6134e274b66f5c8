#include "archive_answers.h"

#include <cstdlib>

namespace lightbox::app {

std::vector<std::string> splitValues(const std::string& s)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t end = s.find('\\', start);
        std::string v = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!v.empty()) out.push_back(v);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::string answer(const net::Attributes& a, Tag t)
{
    const auto it = a.find(t);
    return it == a.end() ? std::string() : it->second;
}

int answerCount(const std::string& v)
{
    if (v.empty() || v.find_first_not_of("0123456789 ") != std::string::npos) return -1;
    return std::atoi(v.c_str());
}


}  // namespace lightbox::app
