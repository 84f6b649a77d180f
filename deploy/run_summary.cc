// JSON output of cluster_status (see run_summary.h).
#include "deploy/run_summary.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace hem {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Digits, at most one '.', an optional leading '-': what a launcher's
// numbers look like. Everything else ("1e5", "inf", "0x1") stays a string.
bool IsPlainNumber(absl::string_view text) {
  if (absl::ConsumePrefix(&text, "-") && text.empty()) return false;
  if (text.empty() || text == ".") return false;
  return std::count(text.begin(), text.end(), '.') <= 1 &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return absl::ascii_isdigit(c) || c == '.'; });
}

// protobuf escapes '<' and '>' for embedding in HTML ("\u003e"). summary.json
// is read by people and by sed ("test success 0.95 >= target 0.9"), so they
// are written plainly, which is equally valid JSON. Other escapes are kept.
std::string UnescapeAngleBrackets(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] != '\\' || i + 1 >= json.size()) {
      out.push_back(json[i]);
    } else if (json.compare(i, 6, "\\u003c") == 0 || json.compare(i, 6, "\\u003e") == 0) {
      out.push_back(json[i + 5] == 'c' ? '<' : '>');
      i += 5;
    } else {
      out.append(json, i, 2);  // Any other escape: backslash and the next character.
      ++i;
    }
  }
  return out;
}

// Struct's fields are a map, which protobuf serialises in hash order unless
// told to be deterministic (sorted keys); printing goes through that
// serialisation so the JSON's keys are sorted too.
absl::StatusOr<std::string> SortedJson(const Struct& value) {
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!value.SerializeToCodedStream(&coded)) {
      return absl::InternalError("cannot serialise the JSON value");
    }
  }
  static constexpr char kTypeUrlPrefix[] = "type.googleapis.com";
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool()));
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(), absl::StrCat(kTypeUrlPrefix, "/", Struct::descriptor()->full_name()),
      binary, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("JSON: ", status.message().as_string()));
  }
  return UnescapeAngleBrackets(json);
}

}  // namespace

Struct ProgressAsStruct(const ClusterProgress& progress) {
  Struct out;
  for (const ProgressColumn& column : ProgressColumns()) {
    double rounded = 0;
    // Through text, so the summary holds exactly what progress.csv holds.
    if (!absl::SimpleAtod(absl::StrFormat("%.*f", column.decimals, progress.*column.value),
                          &rounded)) {
      rounded = progress.*column.value;
    }
    (*out.mutable_fields())[column.name].set_number_value(rounded);
  }
  return out;
}

absl::StatusOr<Struct> StructFromKeyValues(const std::vector<std::string>& key_values) {
  Struct out;
  for (const std::string& item : key_values) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      return absl::InvalidArgumentError(absl::StrCat("'", item, "' is not key=value"));
    }
    const std::string value = item.substr(equals + 1);
    Value& field = (*out.mutable_fields())[item.substr(0, equals)];
    double number = 0;
    if (IsPlainNumber(value) && absl::SimpleAtod(value, &number) && std::isfinite(number)) {
      field.set_number_value(number);
    } else {
      field.set_string_value(value);
    }
  }
  return out;
}

absl::StatusOr<Struct> RunSummary(Struct fields, const std::string& csv_path,
                                  const ClusterProgress* final_progress) {
  double best = 0;
  if (!csv_path.empty()) {
    absl::StatusOr<std::vector<double>> rates = ReadCsvColumn(csv_path, "eval_success_rate");
    if (rates.ok()) {
      for (double rate : *rates) best = std::max(best, rate);
    } else if (!absl::IsNotFound(rates.status())) {
      return rates.status();
    }
  }
  auto& out = *fields.mutable_fields();
  out["best_eval_success_rate"].set_number_value(best);
  if (final_progress != nullptr) {
    *out["final"].mutable_struct_value() = ProgressAsStruct(*final_progress);
  } else {
    out["final"].set_null_value(google::protobuf::NULL_VALUE);
  }
  return fields;
}

absl::Status WriteJsonFile(const std::string& path, const Struct& value) {
  absl::StatusOr<std::string> json = SortedJson(value);
  if (!json.ok()) return json.status();
  return WriteFileAtomically(path, *json);
}

}  // namespace hem
