// Linked into every fuzz target: protobuf logs each message it cannot parse
// (invalid UTF-8 in a string field, say), which for a fuzzer is most inputs;
// writing those lines would cost more than the parsing being fuzzed.
#include "google/protobuf/stubs/logging.h"

namespace {

const bool silenced = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

}  // namespace
