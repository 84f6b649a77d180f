#include "common/flag_errors.h"

#include "absl/strings/str_cat.h"

namespace hem {

absl::Status FieldErrorToFlagError(const absl::Status& status,
                                   absl::Span<const FieldFlag> table) {
  if (status.ok()) return status;
  const absl::string_view message = status.message();
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return status;
  const absl::string_view field = message.substr(0, colon);
  for (const auto& [known, flag] : table) {
    if (field == known) {
      return absl::Status(status.code(), absl::StrCat("--", flag, message.substr(colon)));
    }
  }
  return status;
}

}  // namespace hem
