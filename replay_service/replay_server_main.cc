// replay_server: one shard of the replay service (see replay_server.h).
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/process.h"
#include "replay_service/replay_server.h"

ABSL_FLAG(int, port, 0, "Port to listen on; 0 picks a free one.");
ABSL_FLAG(bool, bind_all, false,
          "Listen on all interfaces instead of loopback only.");
ABSL_FLAG(int, shard_index, 0, "This shard's index in [0, num_shards).");
ABSL_FLAG(int, num_shards, 1, "Number of replay shards.");
ABSL_FLAG(int64_t, capacity_transitions, 1000000,
          "Transitions kept per environment spec; oldest episodes are evicted.");
ABSL_FLAG(int64_t, capacity_bytes, 0,
          "Also evict while stored episodes hold more bytes; 0 = no limit.");
ABSL_FLAG(std::string, relabel_strategy, "future",
          "Default hindsight strategy: future|final|episode|random|none.");
ABSL_FLAG(double, relabel_probability, 1.0,
          "Default probability of relabeling a transition's goal (hEM 1.0, "
          "HER 0.8).");
ABSL_FLAG(int64_t, min_size_to_sample, 1,
          "Transitions inserted before sampling starts.");
ABSL_FLAG(double, samples_per_insert, 0,
          "Target sampled transitions per inserted transition; 0 disables.");
ABSL_FLAG(double, samples_per_insert_tolerance, 0,
          "Allowed deviation (in sampled transitions) from the target ratio.");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "Directory for checkpoints (restored at start); empty = none.");
ABSL_FLAG(int, checkpoint_interval_seconds, 600,
          "Seconds between checkpoints; 0 = only at shutdown.");
ABSL_FLAG(bool, quiet, false, "Log warnings and errors only.");

namespace {

bool ParseStrategy(const std::string& text, hem::v1::RelabelStrategy* out) {
  const std::string name = absl::AsciiStrToLower(text);
  if (name == "future") *out = hem::v1::RELABEL_FUTURE;
  else if (name == "final") *out = hem::v1::RELABEL_FINAL;
  else if (name == "episode") *out = hem::v1::RELABEL_EPISODE;
  else if (name == "random") *out = hem::v1::RELABEL_RANDOM;
  else if (name == "none") *out = hem::v1::RELABEL_NONE;
  else return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  hem::InitProcess(argc, argv,
                   "replay_server --shard_index=I --num_shards=N [--port=P]: "
                   "one shard of the hem replay service.");
  if (absl::GetFlag(FLAGS_quiet)) hem::SetMinLogSeverity(hem::LogSeverity::kWarning);
  hem::ReplayServerConfig config;
  config.port = absl::GetFlag(FLAGS_port);
  config.bind_all = absl::GetFlag(FLAGS_bind_all);
  config.shard.shard_index = absl::GetFlag(FLAGS_shard_index);
  config.shard.num_shards = absl::GetFlag(FLAGS_num_shards);
  config.shard.table.capacity_transitions =
      absl::GetFlag(FLAGS_capacity_transitions);
  config.shard.table.capacity_bytes = absl::GetFlag(FLAGS_capacity_bytes);
  if (!ParseStrategy(absl::GetFlag(FLAGS_relabel_strategy),
                     &config.shard.default_strategy)) {
    std::fprintf(stderr,
                 "--relabel_strategy: '%s' is not one of "
                 "future|final|episode|random|none\n",
                 absl::GetFlag(FLAGS_relabel_strategy).c_str());
    return 2;
  }
  config.shard.default_relabel_probability =
      absl::GetFlag(FLAGS_relabel_probability);
  config.shard.rate_limiter.min_size_to_sample =
      absl::GetFlag(FLAGS_min_size_to_sample);
  config.shard.rate_limiter.samples_per_insert =
      absl::GetFlag(FLAGS_samples_per_insert);
  config.shard.rate_limiter.tolerance =
      absl::GetFlag(FLAGS_samples_per_insert_tolerance);
  config.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  config.checkpoint_interval =
      absl::Seconds(absl::GetFlag(FLAGS_checkpoint_interval_seconds));
  absl::Status valid = hem::ValidateReplayServerConfig(config);
  if (!valid.ok()) {
    std::fprintf(stderr, "--%s\n", std::string(valid.message()).c_str());
    return 2;
  }
  absl::Status status = hem::RunReplayServer(config);
  if (!status.ok()) {
    std::fprintf(stderr, "replay_server: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
