// The JSON files cluster_status writes (summary.json, the --json snapshot),
// built as google.protobuf.Struct and printed by protobuf's JSON mapping, so
// strings are escaped and numbers valid whatever they hold. Keys come out
// sorted, so two summaries diff cleanly.
#ifndef HEM_DEPLOY_RUN_SUMMARY_H_
#define HEM_DEPLOY_RUN_SUMMARY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deploy/cluster_progress.h"
#include "google/protobuf/struct.pb.h"

namespace hem {

// Every progress column by name, rounded as in progress.csv.
google::protobuf::Struct ProgressAsStruct(const ClusterProgress& progress);

// A summary's fields from "key=value" words (split at the first '='); a
// value that is a plain decimal number becomes a JSON number, anything else
// a string: {"actors": 2, "env": "flip_bit:k=40"}.
absl::StatusOr<google::protobuf::Struct> StructFromKeyValues(
    const std::vector<std::string>& key_values);

// The summary of a run: `fields` plus "best_eval_success_rate" (the highest
// eval_success_rate in progress.csv at `csv_path`, 0 without one) and
// "final" (`final_progress`, or null when nothing was polled).
absl::StatusOr<google::protobuf::Struct> RunSummary(
    google::protobuf::Struct fields, const std::string& csv_path,
    const ClusterProgress* final_progress);

// Replaces `path` atomically with `value` as indented JSON.
absl::Status WriteJsonFile(const std::string& path, const google::protobuf::Struct& value);

}  // namespace hem

#endif  // HEM_DEPLOY_RUN_SUMMARY_H_
