// bazel run //tests:encoder_probe -- --envs="point_mass:image=48;fetch_reach:image=48"
// bazel run //tests:encoder_probe -- --mode=m_step --envs="point_mass;point_mass:image=48"
// bazel run //tests:encoder_probe -- --mode=m_step --behaviour=reacher_pd --envs="reacher;reacher:image=48"
// bazel run //tests:encoder_probe -- --mode=m_step --envs=reacher:image=48 --updates=0 --save_episodes=/tmp/r48.ep
// bazel run //tests:encoder_probe -- --mode=evaluate --envs=reacher:image=48 --weights=w1.bin,w2.bin
//
// Two questions to ask, in order, of an image task that does not learn.
//
// --mode=position (default): can the policy network read, from one
// rendered observation, the achieved goal that the task's success predicate
// measures, and after how many Adam steps? hEM's M-step only teaches the CNN
// where the ball or fingertip is through noisy actions, so this asks the
// easier, supervised question first: if the network cannot read the position
// to within the success radius here, no relabeling will make the policy hit
// it. For each task it renders --frames training and --test_frames test
// observations (each a reset from its own seed followed by 0-24 random
// actions), builds the task's policy network as the learner does (CNN
// encoder, MLP 3x256, mean head), feeds it the image and a zero goal, and
// trains the mean to output the achieved goal (mean squared error, Adam at
// --lr). Every --report_every steps it prints, on the test frames, the
// median error in success radii and the fraction of frames read within the
// radius (the fraction whose prediction IsSuccess would accept).
//
// --mode=m_step: can the network learn from hEM's signal? See ProbeMStep.
// Where the M-step needs more than this machine gives, --save_episodes and
// --mode=evaluate split it across machines (deploy/gpu/offline_m_step.sh).
//
// Not a test: tables to read (docs/RESULTS.md, "Image observations").
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "common/env_spec_util.h"
#include "common/heap_tuning.h"
#include "learner/networks.h"
#include "tests/probe_files.h"

ABSL_FLAG(std::string, envs, "point_mass:image=48;reacher:image=48;fetch_reach:image=48",
          "Image tasks, separated by ';' (names may contain commas)");
ABSL_FLAG(int, frames, 8192, "Training observations per task");
ABSL_FLAG(int, test_frames, 1024, "Held-out observations per task");
ABSL_FLAG(int, updates, 6000, "Adam steps per task");
ABSL_FLAG(int, batch_size, 64, "Observations per step (the image presets' batch)");
ABSL_FLAG(double, lr, 1e-3, "Adam learning rate (the paper's)");
ABSL_FLAG(int, report_every, 1000, "Steps between rows of the table");
ABSL_FLAG(int, threads, 1, "LibTorch intra-op threads");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the frames, the network and the batches");
ABSL_FLAG(std::string, mode, "position",
          "position: read the achieved goal (supervised); m_step: hEM's M-step on "
          "'future'-relabeled random episodes, then the deterministic policy's test success; "
          "evaluate: the test success of --weights");
ABSL_FLAG(int, episodes, 400, "m_step: episodes to learn from");
ABSL_FLAG(double, behaviour_sigma, 0.7,
          "m_step: std of the random actions (an untrained policy's sigma 0.5 plus "
          "sigma_a = 0.5)");
ABSL_FLAG(std::string, behaviour, "random",
          "m_step: who acts in the episodes learned from: random (--behaviour_sigma noise "
          "alone) or reacher_pd (reacher tasks only: the scripted inverse-kinematics PD "
          "controller heading for each episode's goal, plus that noise), to ask whether the "
          "network learns from episodes a competent noisy policy would give");
ABSL_FLAG(int, future_window, 10, "m_step: relabel with goals at most this many steps ahead (0: to the end)");
ABSL_FLAG(int, test_episodes, 100, "m_step, evaluate: test episodes per report");
ABSL_FLAG(std::string, save_episodes, "",
          "m_step: also write the episodes to this file (tests/probe_files.h), for "
          "tests/offline_m_step to learn from elsewhere; with --updates=0 nothing is trained");
ABSL_FLAG(std::string, weights, "",
          "evaluate: weights files written by tests/offline_m_step, separated by ','; each "
          "is loaded into the task's network and its deterministic policy tested");

namespace hem {
namespace {

constexpr int kMaxRandomActions = 25;

struct Frames {
  torch::Tensor images;  // uint8 [n, w, w, 3].
  torch::Tensor goals;   // float32 [n, goal_dim]: the achieved goal.
};

Frames Render(Env& env, int n, uint64_t first_seed) {
  const hem::v1::EnvSpec& spec = env.spec();
  const int64_t width = spec.observation().shape(0);
  const int goal_dim = spec.goal_dim();
  Frames frames{torch::empty({n, width, width, 3}, torch::kUInt8),
                torch::empty({n, goal_dim}, torch::kFloat32)};
  std::vector<float> desired(goal_dim), action(ActionDim(spec));
  std::vector<uint8_t> goal_image(spec.has_goal_observation() ? GoalObservationSize(spec) : 0);
  const hem::v1::BoxActionSpace& box = spec.action_space().box();
  for (int i = 0; i < n; ++i) {
    const uint64_t seed = first_seed + static_cast<uint64_t>(i);
    const int steps = static_cast<int>(seed % kMaxRandomActions);
    uint8_t* image = frames.images[i].data_ptr<uint8_t>();
    ObservationSlot slot;
    // Only the last state is rendered: a null image skips the renderer.
    slot.image = steps == 0 ? image : nullptr;
    slot.achieved_goal = frames.goals[i].data_ptr<float>();
    slot.desired_goal = desired.data();
    slot.goal_image = goal_image.empty() ? nullptr : goal_image.data();
    env.Reset(seed, slot);
    slot.goal_image = nullptr;
    std::mt19937_64 rng(seed);
    for (int t = 0; t < steps; ++t) {
      for (size_t d = 0; d < action.size(); ++d) {
        std::uniform_real_distribution<float> u(box.low(d), box.high(d));
        action[d] = u(rng);
      }
      if (t == steps - 1) slot.image = image;
      env.Step(action, slot);
    }
  }
  return frames;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The task's policy network as the learner builds it (hidden 3x256,
// learned sigma), and Adam at --lr on its parameters.
struct Trainee {
  PolicyNetwork net{nullptr};
  std::unique_ptr<torch::optim::Adam> adam;
};

absl::StatusOr<Trainee> MakeTrainee(const hem::v1::EnvSpec& spec, uint64_t seed) {
  absl::StatusOr<PolicyNetwork> net = MakeProbeNetwork(spec, seed);
  if (!net.ok()) return net.status();
  Trainee trainee;
  trainee.net = *net;
  trainee.adam = std::make_unique<torch::optim::Adam>(
      trainee.net->parameters(), torch::optim::AdamOptions(absl::GetFlag(FLAGS_lr)));
  return trainee;
}

struct Reading {
  double median_radii;  // Median error / success radius.
  double within;        // Fraction of frames IsSuccess would accept.
};

Reading Read(PolicyNetwork& net, const Frames& test, const hem::v1::SuccessSpec& success) {
  torch::NoGradGuard no_grad;
  net->eval();
  const int64_t n = test.images.size(0);
  const int64_t goal_dim = test.goals.size(1);
  torch::Tensor predicted =
      net->Forward({test.images, torch::zeros({n, goal_dim}), torch::Tensor()}).contiguous();
  net->train();
  std::vector<double> radii;
  int within = 0;
  const double threshold = success.threshold();
  for (int64_t i = 0; i < n; ++i) {
    absl::Span<const float> p(predicted[i].data_ptr<float>(), goal_dim);
    absl::Span<const float> g(test.goals[i].data_ptr<float>(), goal_dim);
    radii.push_back(GoalDistance(success, p, g) / threshold);
    within += IsSuccess(success, p, g) ? 1 : 0;
  }
  std::nth_element(radii.begin(), radii.begin() + n / 2, radii.end());
  return {radii[n / 2], static_cast<double>(within) / static_cast<double>(n)};
}

// `twin`, when given, is the state task `reacher` reset and stepped alongside
// `env`: its state and goal drive the scripted controller whose actions both
// take (the same model, seed and actions give the same episode).
absl::StatusOr<ProbeEpisodes> CollectEpisodes(Env& env, Env* twin, int count,
                                              uint64_t first_seed, double sigma) {
  const hem::v1::EnvSpec& spec = env.spec();
  const int horizon = spec.horizon();
  const bool image = spec.observation().dtype() == hem::v1::DTYPE_UINT8;
  std::vector<int64_t> obs_shape{count, horizon};
  for (int64_t d : spec.observation().shape()) obs_shape.push_back(d);
  const int action_dim = ActionDim(spec);
  const int goal_dim = spec.goal_dim();
  ProbeEpisodes e{torch::empty(obs_shape, image ? torch::kUInt8 : torch::kFloat32),
                  torch::empty({count, horizon, action_dim}, torch::kFloat32),
                  torch::empty({count, horizon + 1, goal_dim}, torch::kFloat32)};
  std::vector<float> desired(goal_dim), next_state(image ? 0 : ObservationSize(spec));
  std::vector<uint8_t> next_image(image ? ObservationSize(spec) : 0);
  std::vector<uint8_t> goal_image(spec.has_goal_observation() ? GoalObservationSize(spec) : 0);
  const hem::v1::BoxActionSpace& box = spec.action_space().box();
  std::optional<::hem::testing::ObservationBuffers> twin_obs;
  if (twin != nullptr) twin_obs.emplace(twin->spec());
  for (int i = 0; i < count; ++i) {
    const uint64_t seed = first_seed + static_cast<uint64_t>(i);
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> noise(0.0f, static_cast<float>(sigma));
    auto slot_for = [&](int t) {
      ObservationSlot slot;
      if (image) {
        slot.image = t < horizon ? e.observations[i][t].data_ptr<uint8_t>() : next_image.data();
      } else {
        slot.state = t < horizon ? e.observations[i][t].data_ptr<float>() : next_state.data();
      }
      slot.achieved_goal = e.achieved[i][t].data_ptr<float>();
      slot.desired_goal = desired.data();
      return slot;
    };
    ObservationSlot first = slot_for(0);
    first.goal_image = goal_image.empty() ? nullptr : goal_image.data();
    env.Reset(seed, first);
    if (twin != nullptr) twin->Reset(seed, twin_obs->Slot());
    for (int t = 0; t < horizon; ++t) {
      float* a = e.actions[i][t].data_ptr<float>();
      if (twin != nullptr) {
        const float* achieved = e.achieved[i][t].data_ptr<float>();
        for (int d = 0; d < goal_dim; ++d) {
          if (std::abs(achieved[d] - twin_obs->achieved_goal[d]) > 1e-5f) {
            return absl::InternalError(absl::StrCat(
                "--behaviour=reacher_pd: the state twin left the episode at seed ", seed,
                ", step ", t));
          }
        }
        ::hem::testing::ReacherInverseKinematicsPd(twin_obs->state, twin_obs->desired_goal,
                                                   absl::MakeSpan(a, action_dim));
      } else {
        std::fill(a, a + action_dim, 0.0f);
      }
      for (int d = 0; d < action_dim; ++d) {
        a[d] = std::clamp(a[d] + noise(rng), box.low(d), box.high(d));
      }
      env.Step(absl::MakeConstSpan(a, action_dim), slot_for(t + 1));
      if (twin != nullptr) twin->Step(absl::MakeConstSpan(a, action_dim), twin_obs->Slot());
    }
  }
  return e;
}

// First seed of the test episodes: apart from the episodes learned from.
uint64_t TestSeed(uint64_t seed) { return (seed << 32) + (uint64_t{1} << 31); }

struct TestResult {
  double success;
  double median_progress;  // 1 - final / initial distance to the goal.
};

TestResult TestPolicy(Env& env, PolicyNetwork& net, int episodes, uint64_t first_seed) {
  torch::NoGradGuard no_grad;
  net->eval();
  const hem::v1::EnvSpec& spec = env.spec();
  const bool image = spec.observation().dtype() == hem::v1::DTYPE_UINT8;
  const int goal_dim = spec.goal_dim();
  std::vector<int64_t> obs_shape{1};
  for (int64_t d : spec.observation().shape()) obs_shape.push_back(d);
  torch::Tensor obs = torch::empty(obs_shape, image ? torch::kUInt8 : torch::kFloat32);
  torch::Tensor goal = torch::empty({1, goal_dim});
  std::vector<float> start(goal_dim), achieved(goal_dim);
  std::vector<uint8_t> goal_image(spec.has_goal_observation() ? GoalObservationSize(spec) : 0);
  int successes = 0;
  std::vector<double> progress;
  for (int i = 0; i < episodes; ++i) {
    ObservationSlot slot;
    if (image) {
      slot.image = obs.data_ptr<uint8_t>();
    } else {
      slot.state = obs.data_ptr<float>();
    }
    slot.achieved_goal = achieved.data();
    slot.desired_goal = goal.data_ptr<float>();
    slot.goal_image = goal_image.empty() ? nullptr : goal_image.data();
    env.Reset(first_seed + static_cast<uint64_t>(i), slot);
    start = achieved;
    slot.desired_goal = nullptr;
    slot.goal_image = nullptr;
    bool success = false;
    for (int t = 0; t < spec.horizon() && !success; ++t) {
      torch::Tensor mean = net->Forward({obs, goal, torch::Tensor()}).contiguous();
      success = env.Step(absl::MakeConstSpan(mean.data_ptr<float>(), ActionDim(spec)), slot);
    }
    successes += success ? 1 : 0;
    const absl::Span<const float> g(goal.data_ptr<float>(), goal_dim);
    const double before = GoalDistance(spec.success(), start, g);
    progress.push_back(before > 0 ? 1.0 - GoalDistance(spec.success(), achieved, g) / before : 0);
  }
  net->train();
  std::nth_element(progress.begin(), progress.begin() + episodes / 2, progress.end());
  return {static_cast<double>(successes) / episodes, progress[episodes / 2]};
}

// --mode=m_step: hEM's M-step alone, offline. Random episodes stand in for
// an untrained policy's (--behaviour=random); --behaviour=reacher_pd gives
// instead the episodes of a competent but noisy reacher (a scripted
// controller plus the same noise), separating "cannot learn from this
// signal" from "the signal of near-random episodes is too weak". Every step
// samples transitions, relabels each with the achieved goal
// 1..--future_window steps later (the E-step's 'future' strategy) and
// maximises log pi(a | s, g) with Adam, as the learner does. Every
// --report_every steps the deterministic policy (the mean) runs
// --test_episodes fresh episodes: the test success the evaluator would
// measure after one round of hEM. Works for state and image tasks alike, so
// the two can be compared on the same episodes' dynamics.
absl::Status ProbeMStep(const std::string& name) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  if (!env.ok()) return env.status();
  const hem::v1::EnvSpec& spec = (*env)->spec();
  if (NumDiscreteActions(spec) != 0 || spec.has_goal_observation()) {
    return absl::InvalidArgumentError(
        "--envs: " + name + ": --mode=m_step takes continuous actions and vector goals");
  }
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  const auto start = std::chrono::steady_clock::now();
  const std::string behaviour = absl::GetFlag(FLAGS_behaviour);
  std::unique_ptr<Env> twin;
  if (behaviour == "reacher_pd") {
    if (name.rfind("reacher", 0) != 0) {
      return absl::InvalidArgumentError("--behaviour=reacher_pd: " + name +
                                        " is not a reacher task");
    }
    absl::StatusOr<std::unique_ptr<Env>> made = CreateEnv("reacher");
    if (!made.ok()) return made.status();
    twin = std::move(*made);
  } else if (behaviour != "random") {
    return absl::InvalidArgumentError("--behaviour: '" + behaviour +
                                      "' is neither random nor reacher_pd");
  }
  absl::StatusOr<ProbeEpisodes> collected =
      CollectEpisodes(**env, twin.get(), absl::GetFlag(FLAGS_episodes), seed << 32,
                      absl::GetFlag(FLAGS_behaviour_sigma));
  if (!collected.ok()) return collected.status();
  const ProbeEpisodes& data = *collected;
  const double render_s = SecondsSince(start);
  if (const std::string path = absl::GetFlag(FLAGS_save_episodes); !path.empty()) {
    if (absl::Status s = WriteEpisodes(data, path); !s.ok()) return s;
    std::printf("\n%s: episodes written to %s\n", name.c_str(), path.c_str());
  }
  absl::StatusOr<Trainee> trainee = MakeTrainee(spec, seed);
  if (!trainee.ok()) return trainee.status();
  PolicyNetwork& net = trainee->net;
  torch::optim::Adam& adam = *trainee->adam;
  const int test_episodes = absl::GetFlag(FLAGS_test_episodes);
  const uint64_t test_seed = TestSeed(seed);
  std::printf("\n%s: %d %s episodes (noise sigma %.2f) in %.1f s; relabeled within %d steps\n",
              name.c_str(), absl::GetFlag(FLAGS_episodes), behaviour.c_str(),
              absl::GetFlag(FLAGS_behaviour_sigma),
              render_s, absl::GetFlag(FLAGS_future_window));
  std::printf("| steps | -log pi | sigma | test success | median progress to the goal | "
              "seconds |\n|---|---|---|---|---|---|\n");
  TestResult r = TestPolicy(**env, net, test_episodes, test_seed);
  std::printf("| 0 | - | - | %.2f | %.2f | 0 |\n", r.success, r.median_progress);
  std::fflush(stdout);

  torch::manual_seed(seed);
  std::mt19937_64 rng(seed);
  const int batch = absl::GetFlag(FLAGS_batch_size);
  const int updates = absl::GetFlag(FLAGS_updates);
  const int every = std::max(1, absl::GetFlag(FLAGS_report_every));
  const int episodes = static_cast<int>(data.actions.size(0));
  const int horizon = spec.horizon();
  const int window = absl::GetFlag(FLAGS_future_window);
  std::vector<int64_t> e_index(batch), t_index(batch), g_index(batch);
  double nll_sum = 0;
  const auto train_start = std::chrono::steady_clock::now();
  for (int step = 1; step <= updates; ++step) {
    for (int b = 0; b < batch; ++b) {
      e_index[b] = static_cast<int64_t>(rng() % episodes);
      t_index[b] = static_cast<int64_t>(rng() % horizon);
      int ahead = horizon - static_cast<int>(t_index[b]);
      if (window > 0 && window < ahead) ahead = window;
      g_index[b] = t_index[b] + 1 + static_cast<int64_t>(rng() % ahead);
    }
    torch::Tensor e = torch::tensor(e_index), t = torch::tensor(t_index);
    torch::Tensor gt = torch::tensor(g_index);
    using torch::indexing::TensorIndex;
    torch::Tensor obs = data.observations.index({e, t});
    torch::Tensor actions = data.actions.index({e, t});
    torch::Tensor goals = data.achieved.index({e, gt});
    torch::Tensor head = net->Forward({obs, goals, torch::Tensor()});
    torch::Tensor loss = -net->LogProb(head, actions).mean();
    adam.zero_grad();
    loss.backward();
    adam.step();
    nll_sum += loss.item<double>();
    if (step % every == 0 || step == updates) {
      r = TestPolicy(**env, net, test_episodes, test_seed);
      const int since = step % every == 0 ? every : step % every;
      std::printf("| %d | %.3f | %.3f | %.2f | %.2f | %.0f |\n", step, nll_sum / since,
                  net->Sigma().mean().item<double>(), r.success, r.median_progress,
                  SecondsSince(train_start));
      std::fflush(stdout);
      nll_sum = 0;
    }
  }
  return absl::OkStatus();
}

// --mode=evaluate: the other half of a probe split across machines
// (tests/offline_m_step). Each --weights file is loaded into the task's
// network and the deterministic policy runs --test_episodes episodes from
// the same seeds as --mode=m_step's reports, so rows of the two compare.
absl::Status Evaluate(const std::string& name) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  if (!env.ok()) return env.status();
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  absl::StatusOr<PolicyNetwork> net = MakeProbeNetwork((*env)->spec(), seed);
  if (!net.ok()) return net.status();
  const std::vector<std::string> files =
      absl::StrSplit(absl::GetFlag(FLAGS_weights), ',', absl::SkipWhitespace());
  if (files.empty()) return absl::InvalidArgumentError("--weights: no files given");
  std::printf("\n%s: %d test episodes per weights file\n| weights | test success | "
              "median progress to the goal |\n|---|---|---|\n",
              name.c_str(), absl::GetFlag(FLAGS_test_episodes));
  for (const std::string& file : files) {
    if (absl::Status s = ReadWeights(file, **net); !s.ok()) return s;
    const TestResult r = TestPolicy(**env, *net, absl::GetFlag(FLAGS_test_episodes),
                                    TestSeed(seed));
    std::printf("| %s | %.2f | %.2f |\n", file.c_str(), r.success, r.median_progress);
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

absl::Status Probe(const std::string& name) {
  absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
  if (!env.ok()) return env.status();
  const hem::v1::EnvSpec& spec = (*env)->spec();
  if (spec.observation().dtype() != hem::v1::DTYPE_UINT8) {
    return absl::InvalidArgumentError("--envs: " + name + " is not an image task");
  }
  if (ActionDim(spec) != spec.goal_dim() || NumDiscreteActions(spec) != 0) {
    return absl::InvalidArgumentError(
        "--envs: " + name + ": the probe reads the goal through the mean head, which needs "
        "as many continuous actions as goal coordinates");
  }
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  const auto start = std::chrono::steady_clock::now();
  const Frames train = Render(**env, absl::GetFlag(FLAGS_frames), seed << 32);
  const Frames test =
      Render(**env, absl::GetFlag(FLAGS_test_frames), TestSeed(seed));
  const double render_s = SecondsSince(start);
  absl::StatusOr<Trainee> trainee = MakeTrainee(spec, seed);
  if (!trainee.ok()) return trainee.status();
  PolicyNetwork& net = trainee->net;
  torch::optim::Adam& adam = *trainee->adam;

  std::printf("\n%s: %lld training and %lld test frames rendered in %.1f s; success radius %g\n",
              name.c_str(), static_cast<long long>(train.images.size(0)),
              static_cast<long long>(test.images.size(0)), render_s, spec.success().threshold());
  std::printf("| steps | train MSE | test: median error (success radii) | test: read within "
              "the radius | seconds |\n|---|---|---|---|---|\n");
  const Reading first = Read(net, test, spec.success());
  std::printf("| 0 | - | %.2f | %.3f | 0 |\n", first.median_radii, first.within);
  std::fflush(stdout);

  torch::manual_seed(seed);
  const int batch = absl::GetFlag(FLAGS_batch_size);
  const int updates = absl::GetFlag(FLAGS_updates);
  const int every = std::max(1, absl::GetFlag(FLAGS_report_every));
  const int64_t n = train.images.size(0);
  const int64_t goal_dim = spec.goal_dim();
  double mse_sum = 0;
  const auto train_start = std::chrono::steady_clock::now();
  for (int step = 1; step <= updates; ++step) {
    torch::Tensor rows = torch::randint(n, {batch}, torch::kLong);
    torch::Tensor images = train.images.index_select(0, rows);
    torch::Tensor goals = train.goals.index_select(0, rows);
    torch::Tensor mean = net->Forward({images, torch::zeros({batch, goal_dim}), torch::Tensor()});
    torch::Tensor loss = (mean - goals).pow(2).sum(1).mean();
    adam.zero_grad();
    loss.backward();
    adam.step();
    mse_sum += loss.item<double>();
    if (step % every == 0 || step == updates) {
      const Reading r = Read(net, test, spec.success());
      const int since = step % every == 0 ? every : step % every;
      std::printf("| %d | %.5f | %.2f | %.3f | %.0f |\n", step, mse_sum / since, r.median_radii,
                  r.within,
                  SecondsSince(train_start));
      std::fflush(stdout);
      mse_sum = 0;
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  hem::KeepLargeBuffersInHeap();
  hem::SetTorchThreads(absl::GetFlag(FLAGS_threads), 1);
  hem::FlushDenormalsOnThisThread();
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "position" && mode != "m_step" && mode != "evaluate") {
    std::fprintf(stderr, "encoder_probe: --mode: '%s' is not position, m_step or evaluate\n",
                 mode.c_str());
    return 2;
  }
  int failures = 0;
  const std::vector<std::string> names =
      absl::StrSplit(absl::GetFlag(FLAGS_envs), ';', absl::SkipWhitespace());
  for (const std::string& name : names) {
    absl::Status status = mode == "m_step"     ? hem::ProbeMStep(name)
                          : mode == "evaluate" ? hem::Evaluate(name)
                                               : hem::Probe(name);
    if (!status.ok()) {
      std::fprintf(stderr, "encoder_probe: %s\n", status.ToString().c_str());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
