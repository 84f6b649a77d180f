// Fuzzes the rendezvous: entry names ("rdzv:<role>/<index>") and the
// contents of a published file, as ResolveAddress reads them. The input is
// split at its first newline: the entry, then the file's bytes.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/rendezvous.h"

namespace {

std::string* dir = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char pattern[] = "/tmp/hem-rendezvous-fuzz-XXXXXX";
  dir = new std::string(mkdtemp(pattern));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view entry = input.substr(0, newline);
  (void)hem::IsRendezvousAddress(entry);
  (void)hem::ParseRendezvousAddress(entry);
  if (newline == absl::string_view::npos) return 0;
  {
    std::ofstream file(*dir + "/replay-0", std::ios::binary | std::ios::trunc);
    file << input.substr(newline + 1);
  }
  (void)hem::ResolveAddress(*dir, "rdzv:replay/0", absl::ZeroDuration(), nullptr);
  return 0;
}
