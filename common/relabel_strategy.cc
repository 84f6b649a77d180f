#include "common/relabel_strategy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hem {
namespace {

struct Named {
  const char* name;
  hem::v1::RelabelStrategy strategy;
};

constexpr Named kStrategies[] = {
    {"none", hem::v1::RELABEL_NONE},
    {"future", hem::v1::RELABEL_FUTURE},
    {"final", hem::v1::RELABEL_FINAL},
    {"episode", hem::v1::RELABEL_EPISODE},
    {"random", hem::v1::RELABEL_RANDOM},
    {"default", hem::v1::RELABEL_STRATEGY_UNSPECIFIED},
};

}  // namespace

absl::StatusOr<hem::v1::RelabelStrategy> ParseRelabelStrategy(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower.empty()) return hem::v1::RELABEL_STRATEGY_UNSPECIFIED;
  for (const Named& named : kStrategies) {
    if (lower == named.name) return named.strategy;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", name, "' is not one of ", RelabelStrategyNames()));
}

std::string RelabelStrategyName(hem::v1::RelabelStrategy strategy) {
  for (const Named& named : kStrategies) {
    if (strategy == named.strategy) return named.name;
  }
  return absl::StrCat("unknown(", static_cast<int>(strategy), ")");
}

std::string RelabelStrategyNames() {
  std::string names;
  for (const Named& named : kStrategies) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", named.name);
  }
  return names;
}

}  // namespace hem
