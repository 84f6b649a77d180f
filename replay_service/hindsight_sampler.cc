// The E-step: uniform transition draws with hindsight goal relabeling (see
// hindsight_sampler.h).
#include "replay_service/hindsight_sampler.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

// Resizes a tensor's header and data for a batch; a no-op after the first
// batch of a stream, since sizes repeat.
char* PrepareTensor(hem::v1::Tensor* tensor, hem::v1::DType dtype,
                    int64_t rows, int64_t row_bytes,
                    std::initializer_list<int64_t> row_shape,
                    const google::protobuf::RepeatedField<int64_t>* tail) {
  const int expected_dims =
      1 + static_cast<int>(row_shape.size()) + (tail ? tail->size() : 0);
  if (tensor->dtype() != dtype || tensor->shape_size() != expected_dims ||
      tensor->shape(0) != rows) {
    tensor->set_dtype(dtype);
    tensor->clear_shape();
    tensor->add_shape(rows);
    for (int64_t d : row_shape) tensor->add_shape(d);
    if (tail != nullptr) {
      for (int64_t d : *tail) tensor->add_shape(d);
    }
  }
  std::string* data = tensor->mutable_data();
  data->resize(static_cast<size_t>(rows * row_bytes));
  return &(*data)[0];
}

}  // namespace

int64_t BatchBytesPerTransition(const SpecLayout& layout, bool with_next) {
  int64_t bytes = layout.observation_bytes + layout.goal_bytes() +
                  layout.action_bytes() + 8 + layout.goal_observation_bytes;
  if (with_next) bytes += layout.observation_bytes + 4 + 1;
  return bytes;
}

absl::Status ValidateHindsightOptions(const HindsightOptions& options,
                                      const hem::v1::EnvSpec& spec) {
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: must be >= 1, got ", options.batch_size));
  }
  if (!(options.relabel_probability >= 0 && options.relabel_probability <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("relabel_probability: must be in [0, 1], got ",
                     options.relabel_probability));
  }
  if (options.future_window < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "future_window: must be >= 0 (0 = to the episode's end), got ", options.future_window));
  }
  if (options.future_window > 0 && options.strategy != hem::v1::RELABEL_FUTURE) {
    return absl::InvalidArgumentError(
        "future_window: only for the future strategy (RELABEL_FUTURE)");
  }
  switch (options.strategy) {
    case hem::v1::RELABEL_NONE:
    case hem::v1::RELABEL_FUTURE:
    case hem::v1::RELABEL_FINAL:
    case hem::v1::RELABEL_EPISODE:
    case hem::v1::RELABEL_RANDOM:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("strategy: unsupported value ",
                       static_cast<int>(options.strategy)));
  }
  if (spec.has_goal_observation() && options.strategy != hem::v1::RELABEL_NONE) {
    const SpecLayout layout = SpecLayout::FromSpec(spec);
    if (spec.observation().dtype() != hem::v1::DTYPE_UINT8 ||
        layout.goal_observation_bytes != layout.observation_bytes) {
      return absl::InvalidArgumentError(
          "strategy: relabeling image goals needs goal_observation of the "
          "observation's shape and dtype");
    }
  }
  return absl::OkStatus();
}

HindsightSampler::HindsightSampler(const ReplayTable* table,
                                   HindsightOptions options, uint64_t seed)
    : table_(table), options_(options), rng_(seed) {}

void HindsightSampler::PrepareBatch(hem::v1::Batch* batch) const {
  batch->set_spec_id(table_->spec().spec_id());
  batch->set_size(options_.batch_size);
  if (!options_.with_next) {
    batch->clear_next_observations();
    batch->clear_rewards();
    batch->clear_terminals();
  }
  if (table_->layout().goal_observation_bytes == 0) {
    batch->clear_goal_observations();
  }
}

absl::Status HindsightSampler::Sample(hem::v1::Batch* batch) {
  const hem::v1::EnvSpec& spec = table_->spec();
  const SpecLayout& layout = table_->layout();
  const int64_t b = options_.batch_size;
  PrepareBatch(batch);
  const auto* obs_shape = &spec.observation().shape();
  const int64_t obs_bytes = layout.observation_bytes;
  const int64_t goal_bytes = layout.goal_bytes();
  const int64_t action_bytes = layout.action_bytes();
  const int64_t goal_obs_bytes = layout.goal_observation_bytes;
  const int goal_dim = layout.goal_dim;

  char* obs = PrepareTensor(batch->mutable_observations(),
                            layout.observation_dtype, b, obs_bytes, {},
                            obs_shape);
  char* goals = PrepareTensor(batch->mutable_goals(), hem::v1::DTYPE_FLOAT32, b,
                              goal_bytes, {goal_dim}, nullptr);
  char* actions =
      layout.discrete
          ? PrepareTensor(batch->mutable_actions(), hem::v1::DTYPE_INT32, b,
                          action_bytes, {}, nullptr)
          : PrepareTensor(batch->mutable_actions(), hem::v1::DTYPE_FLOAT32, b,
                          action_bytes, {layout.action_dim}, nullptr);
  char* versions = PrepareTensor(batch->mutable_policy_versions(),
                                 hem::v1::DTYPE_INT64, b, 8, {}, nullptr);
  char* goal_obs = nullptr;
  if (goal_obs_bytes > 0) {
    goal_obs = PrepareTensor(batch->mutable_goal_observations(),
                             hem::v1::DTYPE_UINT8, b, goal_obs_bytes, {},
                             &spec.goal_observation().shape());
  }
  char* next_obs = nullptr;
  float* rewards = nullptr;
  uint8_t* terminals = nullptr;
  if (options_.with_next) {
    next_obs = PrepareTensor(batch->mutable_next_observations(),
                             layout.observation_dtype, b, obs_bytes, {},
                             obs_shape);
    rewards = reinterpret_cast<float*>(PrepareTensor(
        batch->mutable_rewards(), hem::v1::DTYPE_FLOAT32, b, 4, {}, nullptr));
    terminals = reinterpret_cast<uint8_t*>(PrepareTensor(
        batch->mutable_terminals(), hem::v1::DTYPE_UINT8, b, 1, {}, nullptr));
  }

  const hem::v1::RelabelStrategy strategy = options_.strategy;
  const double p = strategy == hem::v1::RELABEL_NONE
                       ? 0.0
                       : options_.relabel_probability;
  const bool terminate_on_success = spec.terminate_on_success();
  const hem::v1::SuccessSpec& success = spec.success();
  const int window = options_.future_window;
  int num_relabeled = 0;

  ReplayTable::Reader reader(table_);
  const int64_t n = reader.num_transitions();
  if (n == 0) {
    return absl::FailedPreconditionError("replay table is empty");
  }
  const int64_t first = reader.first_transition();
  for (int64_t i = 0; i < b; ++i) {
    const auto [episode, t] =
        reader.Locate(first + static_cast<int64_t>(rng_.Uniform(n)));
    const int steps = episode->num_steps;
    std::memcpy(obs + i * obs_bytes,
                episode->observations.data() + int64_t{t} * obs_bytes,
                obs_bytes);
    std::memcpy(actions + i * action_bytes,
                episode->actions.data() + int64_t{t} * action_bytes,
                action_bytes);
    std::memcpy(versions + i * 8, &episode->policy_version, 8);

    const Episode* goal_episode = episode;
    int goal_step = -1;  // -1: keep the desired goal.
    if (p > 0 && rng_.Bernoulli(p)) {
      switch (strategy) {
        case hem::v1::RELABEL_FUTURE: {
          int ahead = steps - t;  // Steps t+1..T.
          if (window > 0 && window < ahead) ahead = window;
          goal_step = t + 1 + static_cast<int>(rng_.Uniform(ahead));
          break;
        }
        case hem::v1::RELABEL_FINAL:
          goal_step = steps;
          break;
        case hem::v1::RELABEL_EPISODE:
          goal_step = static_cast<int>(rng_.Uniform(steps + 1));
          break;
        case hem::v1::RELABEL_RANDOM: {
          const auto [other, other_t] =
              reader.Locate(first + static_cast<int64_t>(rng_.Uniform(n)));
          goal_episode = other;
          goal_step = other_t + 1;
          break;
        }
        default:
          break;
      }
    }
    const float* goal;
    if (goal_step >= 0) {
      ++num_relabeled;
      goal = goal_episode->achieved_goal(goal_step, goal_dim);
      if (goal_obs != nullptr) {
        std::memcpy(goal_obs + i * goal_obs_bytes,
                    goal_episode->observations.data() +
                        int64_t{goal_step} * obs_bytes,
                    goal_obs_bytes);
      }
    } else {
      goal = reinterpret_cast<const float*>(episode->desired_goal.data());
      if (goal_obs != nullptr) {
        std::memcpy(goal_obs + i * goal_obs_bytes,
                    episode->goal_observation.data(), goal_obs_bytes);
      }
    }
    std::memcpy(goals + i * goal_bytes, goal, goal_bytes);

    if (next_obs != nullptr) {
      std::memcpy(next_obs + i * obs_bytes,
                  episode->observations.data() + int64_t{t + 1} * obs_bytes,
                  obs_bytes);
      bool reward;
      if (goal_step >= 0) {
        reward = IsSuccess(
            success,
            absl::Span<const float>(episode->achieved_goal(t + 1, goal_dim),
                                    goal_dim),
            absl::Span<const float>(goal, goal_dim));
      } else {
        reward = episode->successes[t] != 0;
      }
      rewards[i] = reward ? 1.0f : 0.0f;
      terminals[i] =
          (t + 1 == steps || (terminate_on_success && reward)) ? 1 : 0;
    }
  }
  batch->set_num_relabeled(num_relabeled);
  return absl::OkStatus();
}

}  // namespace hem
