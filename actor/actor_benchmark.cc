// How much an actor costs over its bare environment loop, and where its time
// goes. For each task and M, the same kind of VectorEnv is stepped two ways,
// alternating in short slices on the same core:
//   bare:  VectorEnv::Step with pre-drawn random actions, resets at the
//          horizon or on success;
//   actor: ActorLoop, i.e. policy inference (the default 3x256 MLP, on the
//          default engine: the lean path), exploration noise, episode
//          recording, and every episode streamed over gRPC to a real replay
//          shard, with weights from a real ParameterService that publishes a
//          new version publish_hz times a second (as a learner does), loaded
//          on the actor's PolicyRefresher thread.
// The replay shard and parameter service run in this process, on their own
// threads, as they would in other processes. This VM's speed drifts by
// 20-30 % over seconds, so the ratio reported is the median of the per-slice
// pair ratios, not a ratio of long runs. An actor slice's rate comes from its
// own phase clock (ActorProgress::phases), so start-up is not counted.
//
// --breakdown instead prints where an actor's time goes (ActorPhaseSeconds
// per env step, LibTorch and lean inference side by side), the inference
// split into framework overhead and arithmetic (Policy::Act on each engine
// vs the same matrix products done directly), and the costs off the stepping
// thread (weight loading, trajectory serialisation).
//
//   bazel run //actor:actor_benchmark                     # ratio table
//   bazel run //actor:actor_benchmark -- --breakdown --envs=point_mass,fetch_reach
#include <cblas.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "actor/actor_loop.h"
#include "actor/envs/vector_env.h"
#include "actor/episode_recorder.h"
#include "actor/evaluation.h"
#include "actor/exploration.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/process.h"
#include "grpcpp/server.h"
#include "learner/lean_mlp.h"
#include "learner/lean_mlp_avx512.h"
#include "learner/parameter_service.h"
#include "learner/policy.h"
#include "proto/replay_service.pb.h"
#include "replay_service/replay_server.h"

ABSL_FLAG(std::string, envs,
          "flip_bit:k=10,nav,four_rooms,point_mass,reacher,fetch_reach,sawyer_reach",
          "Tasks to measure, comma-separated.");
ABSL_FLAG(std::string, num_envs, "16,64", "Instances per actor (M), comma-separated.");
ABSL_FLAG(double, seconds, 1.0, "Measured seconds per loop and slice.");
ABSL_FLAG(int, slices, 7, "Alternating (bare, actor) slice pairs; medians are reported.");
ABSL_FLAG(double, publish_hz, 20,
          "New policy versions per second (a learner publishing every 10 updates "
          "at ~200 updates/s); 0 = one version only.");
ABSL_FLAG(double, load_seconds, 0,
          "Instead of measuring: step the first of --envs at the first --num_envs as an "
          "actor's stepping thread does (lean inference, noise, physics; no recording or "
          "gRPC) for this many seconds, then exit. A background load for "
          "deploy/measure_costs.sh, so costs are measured with every core busy, as in a "
          "run. 0 = off.");
ABSL_FLAG(bool, breakdown, false,
          "Print where an actor's time goes (LibTorch vs lean) instead of the ratios.");

namespace hem {
namespace {

// The tasks whose actor/bare ratio has a target (physics-bound MuJoCo tasks).
bool HasRatioTarget(const std::string& env) {
  for (const char* task : {"point_mass", "reacher", "fetch_reach", "sawyer_reach"}) {
    if (env.rfind(task, 0) == 0) return true;
  }
  return false;
}

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * (values.size() - 1) + 0.5)];
}
double Median(const std::vector<double>& values) { return Quantile(values, 0.5); }

// Rounds of M actions the bare loop cycles through, drawn before it runs so
// that drawing costs nothing in the loop.
constexpr int kPoolRounds = 64;

// Uniformly random actions.
std::vector<float> UniformActionPool(const hem::v1::EnvSpec& spec, int m) {
  Exploration random_actions(spec, ExplorationOptions(), 7);
  std::vector<float> pool(static_cast<size_t>(m) * ActionDim(spec) * kPoolRounds);
  random_actions.Random(absl::MakeSpan(pool));
  return pool;
}

// The actor's stepping thread without its hand-over: the published policy on
// the envs' own states, sigma_a noise, physics, resets at the horizon or on
// success. Set up once; each Step is one batched step.
class PolicyRollout {
 public:
  PolicyRollout(const std::string& env_name, const hem::v1::EnvSpec& spec, int m,
                const hem::v1::PolicyWeights& weights)
      : spec_(spec),
        exploration_(spec, ActorOptions().exploration, 7),
        steps_(m, 0),
        actions_(static_cast<size_t>(m) * ActionDim(spec)) {
    auto envs = VectorEnv::Create(env_name, m);
    HEM_CHECK(envs.ok()) << envs.status();
    envs_ = *std::move(envs);
    auto policy = Policy::FromWeights(weights);
    HEM_CHECK(policy.ok()) << policy.status();
    policy_ = *std::move(policy);
    exploration_.UsePolicy(policy_->config());
    for (int i = 0; i < m; ++i) envs_->Reset(i, EpisodeSeed(2, 0, episode_++));
  }

  // One batched step; returns the actions taken.
  absl::Span<const float> Step() {
    const absl::Status acted =
        policy_->Act(InputsFrom(*envs_), /*deterministic=*/false, absl::MakeSpan(actions_));
    HEM_CHECK(acted.ok()) << acted;
    exploration_.Perturb(absl::MakeSpan(actions_));
    envs_->Step(actions_);
    for (int i = 0; i < envs_->num_envs(); ++i) {
      if (++steps_[i] >= spec_.horizon() || envs_->successes()[i]) {
        envs_->Reset(i, EpisodeSeed(2, 0, episode_++));
        steps_[i] = 0;
      }
    }
    return actions_;
  }

 private:
  const hem::v1::EnvSpec spec_;
  std::unique_ptr<VectorEnv> envs_;
  std::unique_ptr<Policy> policy_;
  Exploration exploration_;
  std::vector<int> steps_;
  std::vector<float> actions_;
  uint64_t episode_ = 0;
};

// Actions drawn as the actor draws them (PolicyRollout). The bare loop
// steps with these because MuJoCo's cost depends on the actions (a point
// mass held against a wall by constant actions of 0.9 stepped at 45.8 k
// steps/s, against 72 k with zero actions, M = 16): with other actions than
// the actor's, the ratio would measure different physics as well as the
// actor's overhead.
std::vector<float> PolicyActionPool(const std::string& env_name, const hem::v1::EnvSpec& spec,
                                    int m, const hem::v1::PolicyWeights& weights) {
  PolicyRollout rollout(env_name, spec, m, weights);
  std::vector<float> pool;
  pool.reserve(static_cast<size_t>(m) * ActionDim(spec) * kPoolRounds);
  for (int r = 0; r < kPoolRounds; ++r) {
    absl::Span<const float> actions = rollout.Step();
    pool.insert(pool.end(), actions.begin(), actions.end());
  }
  return pool;
}

// A PolicyRollout for `seconds` (--load_seconds).
void LoadLoop(const std::string& env_name, int m, double seconds) {
  auto spec = MakeEnvSpec(env_name);
  HEM_CHECK(spec.ok()) << spec.status();
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = *spec;
  auto weights = InitialPolicyWeights(config, /*seed=*/1, /*version=*/0);
  HEM_CHECK(weights.ok()) << weights.status();
  PolicyRollout rollout(env_name, *spec, m, *weights);
  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  while (absl::Now() < deadline) {
    for (int i = 0; i < 16; ++i) rollout.Step();
  }
}

// Env steps per second of the bare vectorised loop stepping with `pool`.
double BareLoop(VectorEnv& envs, const hem::v1::EnvSpec& spec, const std::vector<float>& pool,
                absl::Duration duration) {
  const int m = envs.num_envs();
  const size_t round = static_cast<size_t>(m) * ActionDim(spec);
  std::vector<int> steps(m, 0);
  uint64_t episode = 0;
  for (int i = 0; i < m; ++i) envs.Reset(i, EpisodeSeed(1, 0, episode++));
  int64_t total = 0;
  const absl::Time start = absl::Now();
  absl::Time now = start;
  for (int iteration = 0; now - start < duration; ++iteration) {
    envs.Step(absl::MakeConstSpan(pool).subspan((iteration % kPoolRounds) * round, round));
    total += m;
    for (int i = 0; i < m; ++i) {
      if (++steps[i] >= spec.horizon() || envs.successes()[i]) {
        envs.Reset(i, EpisodeSeed(1, 0, episode++));
        steps[i] = 0;
      }
    }
    if (iteration % 16 == 0) now = absl::Now();
  }
  return total / absl::ToDoubleSeconds(absl::Now() - start);
}

double Total(const ActorPhaseSeconds& p) {
  return p.policy_swap + p.inference + p.noise + p.env_step + p.recording + p.insert + p.other;
}

ActorPhaseSeconds Minus(const ActorPhaseSeconds& a, const ActorPhaseSeconds& b) {
  return {a.policy_swap - b.policy_swap, a.inference - b.inference, a.noise - b.noise,
          a.env_step - b.env_step,       a.recording - b.recording, a.insert - b.insert,
          a.other - b.other};
}

void Add(const ActorPhaseSeconds& a, ActorPhaseSeconds* sum) {
  sum->policy_swap += a.policy_swap;
  sum->inference += a.inference;
  sum->noise += a.noise;
  sum->env_step += a.env_step;
  sum->recording += a.recording;
  sum->insert += a.insert;
  sum->other += a.other;
}

struct ActorSlice {
  double env_steps_per_second = 0;
  int64_t env_steps = 0;
  ActorPhaseSeconds phases;  // Over the measured window.
  // The stepping thread's scheduler accounting over the window: seconds on a
  // core and seconds runnable but waiting for one (preempted by the
  // process's other threads: streams, refresher, and here the shard).
  double on_cpu_seconds = 0;
  double runqueue_seconds = 0;
  double window_seconds = 0;
};

// Nanoseconds on a core and waiting in the run queue for thread `tid`
// (Linux's /proc/<pid>/task/<tid>/schedstat); zeros where unavailable.
std::pair<double, double> SchedStat(long tid) {
  std::ifstream file(absl::StrCat("/proc/self/task/", tid, "/schedstat"));
  double on_cpu = 0, waiting = 0;
  file >> on_cpu >> waiting;
  return {on_cpu, waiting};
}

// One ActorLoop, measured for `duration` once its policy acts. The rate is
// env steps over the loop's own phase clock between two progress reports.
ActorSlice RunActorSlice(const std::string& env_name, int num_envs, const std::string& replay,
                         const std::string& learner, bool libtorch, absl::Duration duration) {
  ActorOptions options;
  options.env_name = env_name;
  options.num_envs = num_envs;
  options.replay_addresses = {replay};
  options.learner_address = learner;
  options.report_interval = absl::Milliseconds(100);
  options.libtorch_inference = libtorch;
  ActorLoop loop(options);
  std::atomic<bool> stop{false};
  absl::Status status;
  std::atomic<long> tid{0};
  std::thread thread([&] {
    tid.store(syscall(SYS_gettid));
    status = loop.Run(stop);
  });
  const absl::Time warmup_deadline = absl::Now() + absl::Seconds(20);
  while (loop.progress().policy_version < 0 && absl::Now() < warmup_deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  absl::SleepFor(absl::Milliseconds(250));
  const ActorProgress first = loop.progress();
  const std::pair<double, double> sched_first = SchedStat(tid.load());
  const absl::Time window_start = absl::Now();
  absl::SleepFor(duration);
  const ActorProgress last = loop.progress();
  const std::pair<double, double> sched_last = SchedStat(tid.load());
  const double window = absl::ToDoubleSeconds(absl::Now() - window_start);
  stop.store(true);
  thread.join();
  HEM_CHECK(status.ok()) << status;
  HEM_CHECK(first.policy_version >= 0) << "the actor never loaded the policy";
  ActorSlice slice;
  slice.phases = Minus(last.phases, first.phases);
  slice.env_steps = last.env_steps - first.env_steps;
  slice.env_steps_per_second = slice.env_steps / Total(slice.phases);
  slice.on_cpu_seconds = (sched_last.first - sched_first.first) * 1e-9;
  slice.runqueue_seconds = (sched_last.second - sched_first.second) * 1e-9;
  slice.window_seconds = window;
  return slice;
}

// A replay shard and a ParameterService publishing the task's initial
// weights as ever newer versions, in this process.
class Services {
 public:
  Services(const hem::v1::EnvSpec& spec, double publish_hz) : parameters_(nullptr) {
    ReplayServerConfig replay_config;
    replay_config.shard.table.capacity_transitions = 2000000;
    auto replay = ReplayServer::Start(replay_config);
    HEM_CHECK(replay.ok()) << replay.status();
    replay_ = *std::move(replay);
    hem::v1::PolicyConfig config;
    *config.mutable_spec() = spec;
    auto weights = InitialPolicyWeights(config, /*seed=*/1, /*version=*/0);
    HEM_CHECK(weights.ok()) << weights.status();
    weights_ = *std::move(weights);
    HEM_CHECK(parameters_.Publish(weights_).ok());
    int port = 0;
    auto server = StartServer(ListenAddress(0), {&parameters_}, &port);
    HEM_CHECK(server.ok()) << server.status();
    server_ = *std::move(server);
    learner_address_ = absl::StrCat("127.0.0.1:", port);
    if (publish_hz > 0) {
      publisher_ = std::thread([this, publish_hz] {
        const absl::Duration period = absl::Seconds(1 / publish_hz);
        for (int64_t version = 1; !stop_.WaitForNotificationWithTimeout(period); ++version) {
          hem::v1::PolicyWeights next = weights_;
          next.set_version(version);
          HEM_CHECK(parameters_.Publish(std::move(next)).ok());
        }
      });
    }
  }
  ~Services() {
    stop_.Notify();
    if (publisher_.joinable()) publisher_.join();
    parameters_.Stop();
    server_->Shutdown();
    replay_->Shutdown().IgnoreError();
  }
  std::string replay_address() const { return replay_->address(); }
  const std::string& learner_address() const { return learner_address_; }
  const hem::v1::PolicyWeights& weights() const { return weights_; }

 private:
  std::unique_ptr<ReplayServer> replay_;
  ParameterService parameters_;
  hem::v1::PolicyWeights weights_;
  std::unique_ptr<grpc::Server> server_;
  std::string learner_address_;
  absl::Notification stop_;
  std::thread publisher_;
};

std::vector<int> ParseCounts(const std::string& text) {
  std::vector<int> counts;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int m = 0;
    HEM_CHECK(absl::SimpleAtoi(item, &m) && m > 0) << "--num_envs: bad count " << item;
    counts.push_back(m);
  }
  return counts;
}

void RatioTable(const std::vector<std::string>& envs, const std::vector<int>& counts) {
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const int slices = absl::GetFlag(FLAGS_slices);
  std::printf("actor env steps/s vs the bare VectorEnv loop: %d alternating slice pairs of "
              "%.1f s, medians; %.0f policy versions/s\n\n",
              slices, absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_publish_hz));
  std::printf("| env | M | bare steps/s, policy's actions | bare, uniform actions | actor "
              "steps/s | actor / bare (quartiles) | target |\n");
  std::printf("|---|--:|--:|--:|--:|--:|---|\n");
  for (const std::string& env_name : envs) {
    auto spec = MakeEnvSpec(env_name);
    HEM_CHECK(spec.ok()) << spec.status();
    Services services(*spec, absl::GetFlag(FLAGS_publish_hz));
    for (int m : counts) {
      auto bare_envs = VectorEnv::Create(env_name, m);
      HEM_CHECK(bare_envs.ok()) << bare_envs.status();
      const std::vector<float> policy_pool =
          PolicyActionPool(env_name, *spec, m, services.weights());
      const std::vector<float> uniform_pool = UniformActionPool(*spec, m);
      std::vector<double> bare, uniform, actor, ratios;
      for (int slice = 0; slice < slices; ++slice) {
        bare.push_back(BareLoop(**bare_envs, *spec, policy_pool, duration));
        actor.push_back(RunActorSlice(env_name, m, services.replay_address(),
                                      services.learner_address(), /*libtorch=*/false, duration)
                            .env_steps_per_second);
        ratios.push_back(actor.back() / bare.back());
        uniform.push_back(BareLoop(**bare_envs, *spec, uniform_pool, duration));
      }
      const double ratio = Median(ratios);
      std::printf("| %s | %d | %.0f | %.0f | %.0f | %.2f (%.2f-%.2f) | %s |\n", env_name.c_str(),
                  m, Median(bare), Median(uniform), Median(actor), ratio,
                  Quantile(ratios, 0.25), Quantile(ratios, 0.75),
                  HasRatioTarget(env_name) ? (ratio >= 0.8 ? ">= 0.8 met" : ">= 0.8 MISSED")
                                           : "-");
      std::fflush(stdout);
    }
  }
}

// Median seconds per call of each function over `reps` rounds; in each
// round every function runs `calls` times in turn, so drift hits all alike.
std::vector<double> SecondsPerCall(const std::vector<std::function<void()>>& fns, int calls,
                                   int reps) {
  for (const auto& fn : fns) {
    for (int i = 0; i < calls; ++i) fn();  // Warm-up.
  }
  std::vector<std::vector<double>> samples(fns.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t f = 0; f < fns.size(); ++f) {
      const absl::Time start = absl::Now();
      for (int i = 0; i < calls; ++i) fns[f]();
      samples[f].push_back(absl::ToDoubleSeconds(absl::Now() - start) / calls);
    }
  }
  std::vector<double> medians;
  for (const auto& s : samples) medians.push_back(Median(s));
  return medians;
}

// The shapes of the policy's MLP, with random weights (timing only).
LeanMlpWeights RandomMlp(const hem::v1::PolicyConfig& config) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  LeanMlpWeights w;
  w.state_dim = ObservationSize(config.spec());
  w.goal_dim = config.spec().goal_dim();
  int inputs = w.state_dim + w.goal_dim;
  std::vector<int> widths(config.hidden_sizes().begin(), config.hidden_sizes().end());
  widths.push_back(IsDiscrete(config.spec()) ? NumDiscreteActions(config.spec())
                                             : ActionDim(config.spec()));
  for (int outputs : widths) {
    LeanLayerWeights layer;
    layer.inputs = inputs;
    layer.outputs = outputs;
    for (int i = 0; i < inputs * outputs; ++i) layer.weight.push_back(normal(rng));
    layer.bias.assign(outputs, 0.01f);
    w.layers.push_back(std::move(layer));
    inputs = outputs;
  }
  return w;
}

// One episode of random actions, as an actor would record it.
hem::v1::Trajectory RecordEpisode(const std::string& env_name, const hem::v1::EnvSpec& spec) {
  auto envs = VectorEnv::Create(env_name, 1);
  HEM_CHECK(envs.ok()) << envs.status();
  Exploration random_actions(spec, ExplorationOptions(), 5);
  EpisodeRecorder recorder(spec);
  auto floats = [](absl::Span<const float> v) {
    return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4);
  };
  (*envs)->Reset(0, 9);
  recorder.Begin(9, 0, floats((*envs)->states()), (*envs)->achieved_goals(),
                 (*envs)->desired_goals(), {});
  std::vector<float> action(ActionDim(spec));
  for (int t = 0; t < spec.horizon(); ++t) {
    random_actions.Random(absl::MakeSpan(action));
    (*envs)->Step(action);
    recorder.Append(action, floats((*envs)->states()), (*envs)->achieved_goals(), false);
  }
  return recorder.Finish(0, 0);
}

void PrintPhases(const char* engine, const ActorPhaseSeconds& p, int64_t steps) {
  const double us = 1e6 / steps;
  std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n", engine,
              p.env_step * us, p.inference * us, p.noise * us, p.recording * us, p.insert * us,
              p.policy_swap * us, p.other * us, Total(p) * us, steps / Total(p));
}

void Breakdown(const std::vector<std::string>& envs, const std::vector<int>& counts) {
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const int slices = absl::GetFlag(FLAGS_slices);
  for (const std::string& env_name : envs) {
    auto spec = MakeEnvSpec(env_name);
    HEM_CHECK(spec.ok()) << spec.status();
    Services services(*spec, absl::GetFlag(FLAGS_publish_hz));
    const hem::v1::PolicyConfig& config = services.weights().config();
    for (int m : counts) {
      // The actor loop's phases, LibTorch and lean slices alternating.
      ActorPhaseSeconds phases[2];
      int64_t steps[2] = {0, 0};
      double on_cpu[2] = {0, 0}, runqueue[2] = {0, 0}, window[2] = {0, 0};
      for (int slice = 0; slice < slices; ++slice) {
        for (int lean = 0; lean < 2; ++lean) {
          ActorSlice s = RunActorSlice(env_name, m, services.replay_address(),
                                       services.learner_address(), lean == 0, duration);
          Add(s.phases, &phases[lean]);
          steps[lean] += s.env_steps;
          on_cpu[lean] += s.on_cpu_seconds;
          runqueue[lean] += s.runqueue_seconds;
          window[lean] += s.window_seconds;
        }
      }
      std::printf("\n%s, M = %d: microseconds per env step on the actor's stepping thread "
                  "(%d slices of %.1f s each)\n\n",
                  env_name.c_str(), m, slices, absl::GetFlag(FLAGS_seconds));
      std::printf("| inference | env step | inference | noise | recording | insert | "
                  "weight swap | other | total | steps/s |\n");
      std::printf("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
      PrintPhases("LibTorch", phases[0], steps[0]);
      PrintPhases("lean", phases[1], steps[1]);
      std::printf("\nthe stepping thread (lean) was on a core %.0f %% of the time, waiting "
                  "for one %.0f %% (LibTorch: %.0f %%, %.0f %%)\n",
                  100 * on_cpu[1] / window[1], 100 * runqueue[1] / window[1],
                  100 * on_cpu[0] / window[0], 100 * runqueue[0] / window[0]);

      // Inference alone, per batch of M rows: each engine through Policy::Act
      // (forward pass and sampling, as actors call it), the lean forward on
      // each kernel, and the matrix products LibTorch runs, done directly.
      auto torch_policy = Policy::FromWeights(services.weights(), InferenceEngine::kLibTorch);
      auto lean_policy = Policy::FromWeights(services.weights());
      HEM_CHECK(torch_policy.ok() && lean_policy.ok());
      const int obs = ObservationSize(*spec), goal = spec->goal_dim(), dim = ActionDim(*spec);
      std::mt19937_64 rng(1);
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> s(m * obs), g(m * goal), a(m * dim);
      for (float& v : s) v = normal(rng);
      for (float& v : g) v = normal(rng);
      const PolicyInputs in{m, s.data(), nullptr, g.data(), nullptr};
      LeanMlpWeights random_mlp = RandomMlp(config);
      auto blas = LeanMlp::Create(random_mlp, LeanMlp::Kernel::kBlas).value();
      std::unique_ptr<LeanMlp> avx512;
      if (Avx512Supported()) avx512 = LeanMlp::Create(random_mlp, LeanMlp::Kernel::kAvx512).value();
      size_t widest = 0;
      for (const LeanLayerWeights& l : random_mlp.layers) {
        widest = std::max<size_t>(widest, std::max(l.inputs, l.outputs));
      }
      std::vector<float> head(m * widest), x(m * widest), y(m * widest);
      const int calls = std::max(20, 4000 / m), reps = 9;
      std::vector<std::function<void()>> paths = {
          [&] { HEM_CHECK((*torch_policy)->Act(in, false, absl::MakeSpan(a)).ok()); },
          // LibTorch's Linear is x W^T: one sgemm per layer, W as [outputs, inputs].
          [&] {
            for (const LeanLayerWeights& l : random_mlp.layers) {
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, l.outputs, l.inputs, 1.0f,
                          x.data(), l.inputs, l.weight.data(), l.inputs, 0.0f, y.data(),
                          l.outputs);
            }
          },
          [&] { HEM_CHECK((*lean_policy)->Act(in, false, absl::MakeSpan(a)).ok()); },
          [&] { blas->Forward(m, s.data(), g.data(), head.data()); },
      };
      if (avx512 != nullptr) {
        paths.push_back([&] { avx512->Forward(m, s.data(), g.data(), head.data()); });
      }
      std::vector<double> t = SecondsPerCall(paths, calls, reps);
      t.resize(5, 0.0);
      const double t_torch = t[0], t_sgemm = t[1], t_lean = t[2], t_blas = t[3], t_avx = t[4];
      double flops = 0;
      for (const LeanLayerWeights& l : random_mlp.layers) flops += 2.0 * m * l.inputs * l.outputs;
      std::printf("\ninference per batch of %d rows (%.2f MFLOP), median of %d x %d calls:\n\n",
                  m, flops / 1e6, reps, calls);
      std::printf("| path | us per batch | us per row | GFLOP/s |\n|---|--:|--:|--:|\n");
      auto row = [&](const char* name, double t) {
        if (t > 0) {
          std::printf("| %s | %.1f | %.2f | %.0f |\n", name, t * 1e6, t * 1e6 / m, flops / t / 1e9);
        }
      };
      row("LibTorch Policy::Act (sampling included)", t_torch);
      row("its matrix products alone: cblas_sgemm x W^T", t_sgemm);
      row("lean Policy::Act (sampling included)", t_lean);
      row("lean forward, kBlas (sgemm + fused bias/ReLU)", t_blas);
      row("lean forward, kAvx512 (packed weights)", t_avx);
      std::printf("\nLibTorch framework overhead: %.1f us per batch (%.0f %% of its Act)\n",
                  (t_torch - t_sgemm) * 1e6, 100 * (t_torch - t_sgemm) / t_torch);

      // Off the stepping thread: loading a version, serialising episodes.
      const std::vector<double> load = SecondsPerCall(
          {[&] { HEM_CHECK((*torch_policy)->LoadWeights(services.weights()).ok()); },
           [&] { HEM_CHECK((*lean_policy)->LoadWeights(services.weights()).ok()); }},
          5, 9);
      const double load_torch = load[0], load_lean = load[1];
      hem::v1::InsertRequest request;
      *request.mutable_trajectory() = RecordEpisode(env_name, *spec);
      std::string bytes;
      const double serialise =
          SecondsPerCall({[&] { request.SerializeToString(&bytes); }}, 200, 9)[0];
      std::printf("off the stepping thread: loading a version %.2f ms (LibTorch) / %.2f ms "
                  "(lean; %.1f %% of a core at %.0f versions/s); serialising an episode "
                  "%.0f ns per env step (%zu bytes per %d steps)\n",
                  load_torch * 1e3, load_lean * 1e3,
                  100 * load_lean * absl::GetFlag(FLAGS_publish_hz),
                  absl::GetFlag(FLAGS_publish_hz),
                  serialise * 1e9 / request.trajectory().num_steps(), bytes.size(),
                  static_cast<int>(request.trajectory().num_steps()));
      std::fflush(stdout);
    }
  }
}

int Main() {
  SetPolicyThreads(1, 1);  // One OpenBLAS and LibTorch thread, as actors run.
  const std::vector<int> counts = ParseCounts(absl::GetFlag(FLAGS_num_envs));
  std::vector<std::string> envs;
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_envs), ',', absl::SkipEmpty())) {
    envs.emplace_back(name);
  }
  HEM_CHECK(absl::GetFlag(FLAGS_slices) >= 1) << "--slices: must be >= 1";
  HEM_CHECK(!envs.empty() && !counts.empty()) << "--envs, --num_envs: need at least one";
  if (absl::GetFlag(FLAGS_load_seconds) > 0) {
    LoadLoop(envs[0], counts[0], absl::GetFlag(FLAGS_load_seconds));
  } else if (absl::GetFlag(FLAGS_breakdown)) {
    Breakdown(envs, counts);
  } else {
    RatioTable(envs, counts);
  }
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  // InitProcess restarts the program with OpenBLAS's SkylakeX kernels where
  // OpenBLAS misdetects this CPU (common/blas_core.h), as every hem binary.
  hem::InitProcess(argc, argv, "Actor env steps/s next to the bare environment loop.");
  return hem::Main();
}
