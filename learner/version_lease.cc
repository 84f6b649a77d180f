// The learner's block-leased version counter (see version_lease.h).
#include "learner/version_lease.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"

namespace hem {

absl::StatusOr<VersionLease> VersionLease::Open(std::string path, int64_t at_least) {
  int64_t start = std::max<int64_t>(at_least + 1, 1);
  if (!path.empty()) {
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (text.ok()) {
      int64_t reserved = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &reserved)) {
        return absl::DataLossError(
            absl::StrCat(path, ": not a version number: '", *text, "'"));
      }
      start = std::max(start, reserved + 1);
    } else if (!absl::IsNotFound(text.status())) {  // A first run has no lease yet.
      return text.status();
    }
  }
  return VersionLease(std::move(path), start, start - 1);
}

absl::StatusOr<int64_t> VersionLease::Next() {
  const int64_t version = next_;
  if (version > reserved_) {
    const int64_t reserved = version + kBlock - 1;
    if (!path_.empty()) {
      HEM_RETURN_IF_ERROR(WriteFileAtomically(path_, absl::StrCat(reserved, "\n")));
    }
    reserved_ = reserved;
  }
  ++next_;
  return version;
}

}  // namespace hem
