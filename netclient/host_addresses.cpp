#include "host_addresses.h"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace lightbox::net {

std::string canonicalAddress(const std::string& text)
{
    in6_addr a6{};
    in_addr a4{};
    char buf[INET6_ADDRSTRLEN] = {};
    if (::inet_pton(AF_INET, text.c_str(), &a4) == 1) return ::inet_ntop(AF_INET, &a4, buf, sizeof buf) ? buf : text;
    if (::inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            std::memcpy(&a4, &a6.s6_addr[12], 4);
            return ::inet_ntop(AF_INET, &a4, buf, sizeof buf) ? buf : text;
        }
        return ::inet_ntop(AF_INET6, &a6, buf, sizeof buf) ? buf : text;
    }
    return text;
}

std::vector<std::string> resolveHost(const std::string& host)
{
    std::vector<std::string> out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0) return out;
    for (const addrinfo* a = list; a; a = a->ai_next) {
        char buf[INET6_ADDRSTRLEN] = {};
        const void* raw = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr)
                                                  : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr);
        if (::inet_ntop(a->ai_family, raw, buf, sizeof buf)) {
            const std::string c = canonicalAddress(buf);
            if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
        }
    }
    ::freeaddrinfo(list);
    return out;
}

}  // namespace lightbox::net
