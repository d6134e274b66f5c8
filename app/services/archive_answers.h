#pragma once
// Reading what archives answer (C-FIND results, QIDO-RS JSON, both as tag -> text): multi-valued
// texts, missing keys, counts that may be absent.
#include "dicomweb_client.h"

#include <string>
#include <vector>

namespace lightbox::app {

// The values of a multi-valued text ("CT\\PT"), empty ones left out.
std::vector<std::string> splitValues(const std::string& s);
// A key's text, empty when the archive did not return it.
std::string answer(const net::Attributes& a, Tag t);
// A count (IS) the archive returned; -1 when absent or not a number.
int answerCount(const std::string& v);

}  // namespace lightbox::app
