// The actor's rollout loop (see actor_loop.h): batched stepping, policy
// refresh, episode streaming, and the evaluator's variant of the same loop.
#include "actor/actor_loop.h"

#include <chrono>
#include <deque>
#include <memory>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actor/ack_log.h"
#include "actor/envs/vector_env.h"
#include "actor/episode_recorder.h"
#include "actor/eval_episode_log.h"
#include "actor/evaluation.h"
#include "actor/policy_refresher.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "grpcpp/client_context.h"
#include "learner/parameter_client.h"
#include "learner/policy.h"
#include "proto/policy.grpc.pb.h"
#include "replay_service/replay_writer.h"

namespace hem {
namespace {

absl::Span<const uint8_t> AsBytes(absl::Span<const float> values) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(values.data()),
                             values.size() * sizeof(float));
}

// Brings `policy` up to the newest weights the subscriber holds. A failure to
// load (a learner with another network) is logged and the old policy kept.
void RefreshPolicy(ParameterSubscriber* subscriber,
                   std::unique_ptr<Policy>* policy) {
  if (subscriber == nullptr) return;
  std::shared_ptr<const hem::v1::PolicyWeights> latest = subscriber->Latest();
  if (latest == nullptr) return;
  if (*policy != nullptr && (*policy)->version() >= latest->version()) return;
  absl::Status status;
  if (*policy == nullptr) {
    auto created = Policy::FromWeights(*latest);
    if (created.ok()) {
      *policy = std::move(created).value();
    } else {
      status = created.status();
    }
  } else {
    status = (*policy)->LoadWeights(*latest);
  }
  if (!status.ok()) {
    HEM_LOG(WARNING) << "cannot load policy version " << latest->version()
                     << ": " << status;
  }
}

// The observation of instance `i` as raw bytes, whatever its dtype.
absl::Span<const uint8_t> ObservationBytes(const VectorEnv& envs, int i) {
  const size_t n = ObservationSize(envs.spec());
  if (envs.spec().observation().dtype() == hem::v1::DTYPE_UINT8) {
    return envs.images().subspan(i * n, n);
  }
  return AsBytes(envs.states().subspan(i * n, n));
}

absl::Span<const uint8_t> GoalImage(const VectorEnv& envs, int i) {
  const size_t n = GoalObservationSize(envs.spec());
  if (n == 0) return {};
  return envs.goal_images().subspan(i * n, n);
}

absl::Span<const float> Row(absl::Span<const float> values, int i, int width) {
  return values.subspan(static_cast<size_t>(i) * width, width);
}

// Seconds since the previous Lap (or construction), for ActorPhaseSeconds.
class LapTimer {
 public:
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return seconds;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

PolicyInputs InputsFrom(const VectorEnv& envs) {
  const bool image = envs.spec().observation().dtype() == hem::v1::DTYPE_UINT8;
  PolicyInputs inputs;
  inputs.batch_size = envs.num_envs();
  inputs.states = image ? nullptr : envs.states().data();
  inputs.images = image ? envs.images().data() : nullptr;
  inputs.goals = envs.desired_goals().data();
  inputs.goal_images =
      envs.spec().has_goal_observation() ? envs.goal_images().data() : nullptr;
  return inputs;
}

ActorProgress ActorLoop::progress() const {
  absl::MutexLock lock(&mu_);
  return progress_;
}

void ActorLoop::Publish(const ActorProgress& progress) {
  absl::MutexLock lock(&mu_);
  progress_ = progress;
}

absl::Status ActorLoop::Run(const std::atomic<bool>& stop) {
  HEM_RETURN_IF_ERROR(ValidateActorOptions(options_));
  return options_.eval ? RunEvaluation(stop) : RunTraining(stop);
}

absl::Status ActorLoop::RunTraining(const std::atomic<bool>& stop) {
  HEM_ASSIGN_OR_RETURN(hem::v1::EnvSpec spec, MakeEnvSpec(options_.env_name));
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<VectorEnv> envs,
                       VectorEnv::Create(options_.env_name, options_.num_envs));
  HEM_ASSIGN_OR_RETURN(const std::shared_ptr<const Credentials> credentials,
                       LoadNetCredentials(options_.net));
  // Declared before the writer, whose stream threads call it until it is gone.
  std::unique_ptr<AckLog> ack_log;
  if (!options_.ack_log.empty()) {
    HEM_ASSIGN_OR_RETURN(ack_log, AckLog::Open(options_.ack_log));
  }
  ReplayWriterOptions writer_options;
  writer_options.addresses = options_.replay_addresses;
  if (ack_log != nullptr) {
    writer_options.on_stored = [log = ack_log.get()](const hem::v1::Trajectory& trajectory) {
      log->Append(trajectory);
    };
  }
  writer_options.credentials = credentials;
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<ShardedReplayWriter> writer,
                       ShardedReplayWriter::Create(writer_options, spec));
  std::unique_ptr<ParameterSubscriber> subscriber;
  std::unique_ptr<hem::v1::ParameterService::Stub> learner;
  if (!options_.learner_address.empty()) {
    HEM_ASSIGN_OR_RETURN(subscriber, ParameterSubscriber::Create(options_.learner_address,
                                                                 credentials.get()));
    learner = hem::v1::ParameterService::NewStub(
        CreateHemChannel(options_.learner_address, credentials.get()));
  }
  // New weights are loaded on the refresher's thread, never between steps.
  std::unique_ptr<PolicyRefresher> refresher;
  if (subscriber != nullptr) {
    refresher = std::make_unique<PolicyRefresher>(
        subscriber.get(), options_.libtorch_inference ? InferenceEngine::kLibTorch
                                                      : InferenceEngine::kDefault);
  }

  const int m = options_.num_envs;
  const int action_dim = ActionDim(spec);
  const int goal_dim = spec.goal_dim();
  std::vector<float> actions(static_cast<size_t>(m) * action_dim);
  Exploration exploration(spec, options_.exploration,
                          EpisodeSeed(options_.seed, options_.actor_id, ~0ull));
  std::unique_ptr<Policy> policy;
  std::vector<EpisodeRecorder> recorders(m, EpisodeRecorder(spec));
  uint64_t next_episode = FirstEpisodeId(options_);
  std::vector<uint64_t> episode_ids(m);
  auto begin_episode = [&](int i) {
    episode_ids[i] = next_episode;
    const uint64_t seed = EpisodeSeed(options_.seed, options_.actor_id, next_episode);
    envs->Reset(i, seed);
    recorders[i].Begin(seed, policy ? policy->version() : -1,
                       ObservationBytes(*envs, i),
                       Row(envs->achieved_goals(), i, goal_dim),
                       Row(envs->desired_goals(), i, goal_dim), GoalImage(*envs, i));
    ++next_episode;
  };
  for (int i = 0; i < m; ++i) begin_episode(i);

  std::vector<hem::v1::Trajectory> finished;  // This step's ended episodes.
  ActorProgress progress;
  std::deque<bool> recent;
  int recent_successes = 0;
  absl::Time last_report = absl::Now();
  int64_t steps_at_last_report = 0;
  ActorPhaseSeconds& phases = progress.phases;
  LapTimer timer;
  while (!stop.load()) {
    if (refresher != nullptr) refresher->Swap(&policy);
    phases.policy_swap += timer.Lap();
    if (policy != nullptr) {
      HEM_RETURN_IF_ERROR(policy->Act(InputsFrom(*envs), /*deterministic=*/false,
                                      absl::MakeSpan(actions)));
      const double inference = timer.Lap();
      phases.inference += inference;
      inference_.Observe(absl::Seconds(inference));
      exploration.UsePolicy(policy->config());  // HER's exploration for HER policies.
      exploration.Perturb(absl::MakeSpan(actions));
    } else {
      exploration.Random(absl::MakeSpan(actions));
    }
    phases.noise += timer.Lap();
    envs->Step(actions);
    progress.env_steps += m;
    phases.env_step += timer.Lap();
    finished.clear();
    for (int i = 0; i < m; ++i) {
      recorders[i].Append(Row(actions, i, action_dim), ObservationBytes(*envs, i),
                          Row(envs->achieved_goals(), i, goal_dim),
                          envs->successes()[i] != 0);
      if (!recorders[i].Done()) continue;
      const bool success = recorders[i].succeeded();
      finished.push_back(recorders[i].Finish(options_.actor_id, episode_ids[i]));
      ++progress.episodes;
      progress.successes += success;
      recent.push_back(success);
      recent_successes += success;
      if (recent.size() > 100) {
        recent_successes -= recent.front();
        recent.pop_front();
      }
      phases.recording += timer.Lap();
      begin_episode(i);
      phases.env_step += timer.Lap();  // Resets count as stepping, as in a bare loop.
    }
    phases.recording += timer.Lap();
    // One hand-over per batched step. Block (retrying) rather than drop: a
    // shard restart pauses this actor instead of losing experience.
    for (size_t done = 0; done < finished.size() && !stop.load();) {
      size_t queued = 0;
      absl::Status inserted =
          writer->InsertAll(absl::MakeSpan(finished).subspan(done), options_.insert_timeout,
                            &queued);
      done += queued;
      if (inserted.ok()) break;
      ++progress.insert_retries;
      if (progress.insert_retries % 10 == 1) {
        HEM_LOG(WARNING) << "replay insert waiting: " << inserted;
      }
    }
    phases.insert += timer.Lap();
    if (options_.max_env_steps > 0 && progress.env_steps >= options_.max_env_steps) {
      break;
    }
    const absl::Time now = absl::Now();
    if (now - last_report >= options_.report_interval) {
      progress.env_steps_per_second =
          (progress.env_steps - steps_at_last_report) /
          absl::ToDoubleSeconds(now - last_report);
      progress.recent_success_rate =
          recent.empty() ? 0.0 : static_cast<double>(recent_successes) / recent.size();
      progress.policy_version = policy ? policy->version() : -1;
      if (subscriber != nullptr) {
        std::shared_ptr<const hem::v1::PolicyWeights> newest = subscriber->Latest();
        progress.newest_version = newest ? newest->version() : -1;
      }
      progress.trajectories_acknowledged = writer->stats().acknowledged;
      Publish(progress);
      if (learner != nullptr) {
        hem::v1::ActorReport report;
        report.set_actor_id(options_.actor_id);
        report.set_env_steps(progress.env_steps);
        report.set_episodes(progress.episodes);
        report.set_train_success_rate(progress.recent_success_rate);
        report.set_policy_version(progress.policy_version);
        report.set_env_steps_per_second(progress.env_steps_per_second);
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(now + absl::Milliseconds(500)));
        hem::v1::EvaluationAck ack;
        learner->ReportActor(&context, report, &ack);  // Best effort.
      }
      last_report = now;
      steps_at_last_report = progress.env_steps;
    }
    phases.other += timer.Lap();
  }
  // Hand over what was collected before leaving; partial episodes are not
  // sent (the replay service stores whole episodes only).
  absl::Status flushed = writer->Flush(absl::Seconds(5));
  if (!flushed.ok()) HEM_LOG(WARNING) << "replay flush at exit: " << flushed;
  progress.trajectories_acknowledged = writer->stats().acknowledged;
  progress.policy_version = policy ? policy->version() : -1;
  Publish(progress);
  return absl::OkStatus();
}

absl::Status ActorLoop::RunEvaluation(const std::atomic<bool>& stop) {
  HEM_ASSIGN_OR_RETURN(std::unique_ptr<VectorEnv> envs,
                       VectorEnv::Create(options_.env_name, options_.num_envs));
  HEM_ASSIGN_OR_RETURN(const std::shared_ptr<const Credentials> credentials,
                       LoadNetCredentials(options_.net));
  HEM_ASSIGN_OR_RETURN(
      std::unique_ptr<ParameterSubscriber> subscriber,
      ParameterSubscriber::Create(options_.learner_address, credentials.get()));
  auto learner = hem::v1::ParameterService::NewStub(
      CreateHemChannel(options_.learner_address, credentials.get()));
  std::unique_ptr<EvalEpisodeLog> episode_log;
  if (!options_.eval_episode_log.empty()) {
    HEM_ASSIGN_OR_RETURN(episode_log, EvalEpisodeLog::Open(options_.eval_episode_log));
  }
  std::vector<EvaluatedEpisode> episodes;
  std::unique_ptr<Policy> policy;
  ActorProgress progress;
  int64_t last_evaluated = -1;
  uint64_t round = 0;
  while (!stop.load()) {
    // Evaluate each new version once, no more often than eval_interval.
    auto newer = subscriber->WaitForNewer(last_evaluated, absl::Milliseconds(500));
    if (!newer.ok()) continue;
    RefreshPolicy(subscriber.get(), &policy);
    if (policy == nullptr) continue;
    const absl::Time started = absl::Now();
    episodes.clear();
    const uint64_t this_round = round++;
    HEM_ASSIGN_OR_RETURN(
        EvaluationResult result,
        EvaluatePolicy(*envs, policy.get(), options_.eval_episodes,
                       EpisodeSeed(options_.seed, options_.actor_id, this_round),
                       options_.eval_deterministic,
                       episode_log != nullptr ? &episodes : nullptr));
    last_evaluated = policy->version();
    if (episode_log != nullptr) {
      // The evaluation counts even when its rows cannot be written.
      absl::Status logged = episode_log->Append(last_evaluated, this_round, episodes);
      if (!logged.ok()) HEM_LOG(WARNING) << logged;
    }
    progress.env_steps += result.env_steps;
    progress.episodes += result.episodes;
    progress.successes += result.successes;
    progress.policy_version = last_evaluated;
    progress.last_eval_success_rate = result.success_rate();
    ++progress.evaluations;
    Publish(progress);
    HEM_LOG(INFO) << "evaluation of version " << last_evaluated << ": success "
                  << result.successes << "/" << result.episodes << " = "
                  << result.success_rate();
    hem::v1::EvaluationReport report;
    report.set_evaluator(absl::StrCat("evaluator-", options_.actor_id));
    report.set_policy_version(last_evaluated);
    report.set_episodes(result.episodes);
    report.set_success_rate(result.success_rate());
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    hem::v1::EvaluationAck ack;
    grpc::Status sent = learner->ReportEvaluation(&context, report, &ack);
    if (!sent.ok()) {
      HEM_LOG(WARNING) << "cannot report evaluation: " << sent.error_message();
    }
    const absl::Duration spent = absl::Now() - started;
    if (spent < options_.eval_interval) {
      const absl::Time until = absl::Now() + (options_.eval_interval - spent);
      while (!stop.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
    }
  }
  return absl::OkStatus();
}

}  // namespace hem
