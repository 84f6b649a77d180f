#include "deploy/sizing_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "common/env_catalog.h"
#include "common/env_spec_util.h"

namespace hem {
namespace {

// Every name a costs file may use, outside "task.<env>.<field>".
const std::map<std::string, double SizingCosts::*>& GlobalFields() {
  static const auto* fields = new std::map<std::string, double SizingCosts::*>{
      {"inference_seconds_per_row", &SizingCosts::inference_seconds_per_row},
      {"inference_seconds_per_batch", &SizingCosts::inference_seconds_per_batch},
      {"actor_other_seconds_per_step", &SizingCosts::actor_other_seconds_per_step},
      {"weight_load_seconds", &SizingCosts::weight_load_seconds},
      {"shard_insert_seconds_per_transition", &SizingCosts::shard_insert_seconds_per_transition},
      {"shard_sample_seconds_per_transition", &SizingCosts::shard_sample_seconds_per_transition},
      {"learner_decode_seconds_per_sample", &SizingCosts::learner_decode_seconds_per_sample},
      {"gpu_update_seconds", &SizingCosts::gpu_update_seconds},
      {"gpu_update_seconds_per_sample", &SizingCosts::gpu_update_seconds_per_sample},
      {"call_latency_seconds", &SizingCosts::call_latency_seconds},
      {"cores_available", &SizingCosts::cores_available},
  };
  return *fields;
}

const std::map<std::string, double TaskCosts::*>& TaskFields() {
  static const auto* fields = new std::map<std::string, double TaskCosts::*>{
      {"env_step_seconds", &TaskCosts::env_step_seconds},
      {"learner_update_seconds", &TaskCosts::learner_update_seconds},
      {"learner_update_seconds_per_sample", &TaskCosts::learner_update_seconds_per_sample},
  };
  return *fields;
}

// Max-min fair shares of `cores` among claims with needs (each at most its
// cap): claims needing less than an equal share of what is left get their
// need; the rest split the remainder equally.
std::vector<double> FairShares(const std::vector<double>& needs, double cores) {
  std::vector<size_t> order(needs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return needs[a] < needs[b]; });
  std::vector<double> shares(needs.size(), 0);
  double left = cores;
  for (size_t k = 0; k < order.size(); ++k) {
    const double equal = left / static_cast<double>(order.size() - k);
    const double share = std::min(needs[order[k]], equal);
    shares[order[k]] = share;
    left -= share;
  }
  return shares;
}

std::string Rate(double per_second) {
  if (per_second >= 1e6) return absl::StrFormat("%.2f M", per_second / 1e6);
  if (per_second >= 1e4) return absl::StrFormat("%.1f k", per_second / 1e3);
  return absl::StrFormat("%.1f", per_second);
}

std::string Bytes(double per_second) {
  if (per_second >= 1e9) return absl::StrFormat("%.2f GB/s", per_second / 1e9);
  if (per_second >= 1e6) return absl::StrFormat("%.1f MB/s", per_second / 1e6);
  return absl::StrFormat("%.1f kB/s", per_second / 1e3);
}

}  // namespace

absl::StatusOr<SizingCosts> ParseSizingCosts(absl::string_view text) {
  SizingCosts costs;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    const std::string where = absl::StrCat("costs line ", line_number, ": ");
    if (words.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(where, "expected 'name value'"));
    }
    double value = 0;
    if (!absl::SimpleAtod(words[1], &value) || !std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "'", words[1], "' is not a number >= 0"));
    }
    const std::string name(words[0]);
    if (absl::StartsWith(name, "task.")) {
      const size_t dot = name.rfind('.');
      const std::string env = name.substr(5, dot - 5);
      const auto field = TaskFields().find(name.substr(dot + 1));
      if (dot <= 5 || env.empty() || field == TaskFields().end()) {
        return absl::InvalidArgumentError(absl::StrCat(where, "unknown name '", name, "'"));
      }
      costs.tasks[env].*(field->second) = value;
      continue;
    }
    const auto field = GlobalFields().find(name);
    if (field == GlobalFields().end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, "unknown name '", name, "'"));
    }
    costs.*(field->second) = value;
  }
  return costs;
}

absl::StatusOr<SizingCosts> ReadSizingCosts(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read costs file '", path, "'"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<SizingCosts> costs = ParseSizingCosts(text.str());
  if (!costs.ok()) {
    return absl::Status(costs.status().code(), absl::StrCat(path, ": ", costs.status().message()));
  }
  return costs;
}

absl::Status FillFromEnvSpec(const std::vector<int>& hidden_sizes, SizingRun* run) {
  absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(run->task);
  if (!spec.ok()) return spec.status();
  const double obs_bytes = static_cast<double>(ObservationSize(*spec)) *
                           (spec->observation().dtype() == hem::v1::DTYPE_UINT8 ? 1 : 4);
  const double goal_bytes = 4.0 * spec->goal_dim();
  const double action_bytes = IsDiscrete(*spec) ? 4.0 : 4.0 * ActionDim(*spec);
  const int horizon = spec->horizon();
  run->horizon = horizon;
  // Trajectory tensors (proto/trajectory.proto): T+1 observations and
  // achieved goals, the desired goal, T actions, T success bytes.
  run->bytes_per_episode = (horizon + 1) * (obs_bytes + goal_bytes) + goal_bytes +
                           horizon * (action_bytes + 1.0) +
                           static_cast<double>(GoalObservationSize(*spec));
  // A sampled row: observation, relabeled goal, action, policy version.
  run->bytes_per_sampled_transition = obs_bytes + goal_bytes + action_bytes + 8;
  // The policy MLP on [observation, goal]: dense layers, weights + biases.
  double inputs = static_cast<double>(ObservationSize(*spec)) + spec->goal_dim();
  double parameters = 0;
  for (int width : hidden_sizes) {
    parameters += inputs * width + width;
    inputs = width;
  }
  const double outputs = IsDiscrete(*spec) ? NumDiscreteActions(*spec) : ActionDim(*spec);
  parameters += inputs * outputs + outputs + 1;  // + the global sigma.
  run->weight_bytes = 4 * parameters;
  return absl::OkStatus();
}

absl::StatusOr<SizingPrediction> PredictThroughput(const SizingCosts& costs,
                                                   const SizingCluster& cluster,
                                                   const SizingRun& run) {
  const auto task = costs.tasks.find(run.task);
  if (task == costs.tasks.end()) {
    return absl::NotFoundError(absl::StrCat("no costs for task '", run.task,
                                            "' (add task.", run.task, ".* lines)"));
  }
  if (cluster.nodes < 1 || !(cluster.cores_per_node > 0)) {
    return absl::InvalidArgumentError("the cluster needs at least one node with cores");
  }
  if (run.actors < 1 || run.envs_per_actor < 1 || run.shards < 1 || run.batch_size < 1 ||
      run.publish_every < 1 || run.horizon < 1) {
    return absl::InvalidArgumentError(
        "the run needs actors, envs, shards, a batch size, publish_every and a horizon >= 1");
  }
  const TaskCosts& tc = task->second;
  SizingPrediction p;
  const double batch = run.batch_size;
  p.actor_step_seconds = tc.env_step_seconds + costs.inference_seconds_per_row +
                         costs.inference_seconds_per_batch / run.envs_per_actor +
                         costs.actor_other_seconds_per_step;
  p.learner_update_seconds =
      cluster.gpus > 0
          ? costs.gpu_update_seconds + costs.gpu_update_seconds_per_sample * batch
          : tc.learner_update_seconds +
                tc.learner_update_seconds_per_sample * (batch - kReferenceBatch);
  if (!(p.actor_step_seconds > 0) || !(p.learner_update_seconds > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("costs for '", run.task, "' give a zero actor step or learner update"));
  }
  p.actor_full_core_steps_per_second = 1 / p.actor_step_seconds;
  p.learner_max_updates_per_second = 1 / p.learner_update_seconds;

  // Placement: node 0 holds learner, shards and evaluator; actors go to
  // nodes 1.. when there are any.
  auto actor_node = [&](int i) { return cluster.nodes == 1 ? 0 : 1 + i % (cluster.nodes - 1); };
  const double evaluator_need =
      run.evaluators > 0
          ? std::min(1.0, run.eval_episodes * run.horizon * p.actor_step_seconds /
                              std::max(run.eval_interval_seconds, 1e-3))
          : 0.0;

  // Cores each claim needs at env-step rate x (all actors) and update rate u.
  // `hungry` actors and learner need a whole core (they run free).
  auto claims_at = [&](double x, double u, bool hungry) {
    std::vector<SizingClaim> claims;
    const double per_actor = x / run.actors;
    const double versions = u / run.publish_every;
    for (int i = 0; i < run.actors; ++i) {
      claims.push_back({absl::StrCat("actor ", i, " stepping"), actor_node(i),
                        hungry ? 1.0 : per_actor * p.actor_step_seconds, 1.0});
      claims.push_back({absl::StrCat("actor ", i, " weight loading"), actor_node(i),
                        versions * costs.weight_load_seconds, 1.0});
    }
    claims.push_back({"learner training", 0, hungry ? 1.0 : u * p.learner_update_seconds, 1.0});
    claims.push_back({"learner decoding", 0, u * batch * costs.learner_decode_seconds_per_sample,
                      1.0});
    for (int s = 0; s < run.shards; ++s) {
      claims.push_back({absl::StrCat("shard ", s), 0,
                        (x * costs.shard_insert_seconds_per_transition +
                         u * batch * costs.shard_sample_seconds_per_transition) /
                            run.shards,
                        cluster.cores_per_node});
    }
    if (evaluator_need > 0) claims.push_back({"evaluator", 0, evaluator_need, 1.0});
    return claims;
  };
  // Fair shares of each node's cores.
  auto shares_of = [&](const std::vector<SizingClaim>& claims) {
    std::vector<double> shares(claims.size(), 0);
    for (int node = 0; node < cluster.nodes; ++node) {
      std::vector<double> needs;
      std::vector<size_t> index;
      for (size_t i = 0; i < claims.size(); ++i) {
        if (claims[i].node != node) continue;
        needs.push_back(std::min(claims[i].need, claims[i].cap));
        index.push_back(i);
      }
      const std::vector<double> node_shares = FairShares(needs, cluster.cores_per_node);
      for (size_t k = 0; k < index.size(); ++k) shares[index[k]] = node_shares[k];
    }
    return shares;
  };

  double x = 0, u = 0;
  if (run.samples_per_insert > 0) {
    // The highest x at which every claim fits: bisection (feasibility only
    // shrinks as x grows).
    const double spi_per_batch = run.samples_per_insert / batch;
    auto fits = [&](double rate) {
      const std::vector<SizingClaim> claims = claims_at(rate, rate * spi_per_batch, false);
      const std::vector<double> shares = shares_of(claims);
      for (size_t i = 0; i < claims.size(); ++i) {
        if (claims[i].need > shares[i] + 1e-12) return false;
      }
      return true;
    };
    double lo = 0, hi = run.actors * p.actor_full_core_steps_per_second;
    if (fits(hi)) {
      lo = hi;
    } else {
      for (int i = 0; i < 100; ++i) {
        const double mid = (lo + hi) / 2;
        (fits(mid) ? lo : hi) = mid;
      }
    }
    x = lo;
    u = x * spi_per_batch;
    // Name what binds just above the solution.
    const double above = x * 1.001 + 1e-9;
    const std::vector<SizingClaim> claims = claims_at(above, above * spi_per_batch, false);
    const std::vector<double> node_use = [&] {
      std::vector<double> use(cluster.nodes, 0);
      for (const SizingClaim& c : claims) use[c.node] += c.need;
      return use;
    }();
    if (u * p.learner_update_seconds > 0.999) {
      p.limited_by = "learner (its training thread has a whole core: demand / samples_per_insert)";
    } else if (x * p.actor_step_seconds / run.actors > 0.999) {
      p.limited_by = "actors (each at a whole core: supply)";
    } else {
      int busiest = 0;
      for (int n = 1; n < cluster.nodes; ++n) {
        if (node_use[n] / cluster.cores_per_node > node_use[busiest] / cluster.cores_per_node) {
          busiest = n;
        }
      }
      p.limited_by = absl::StrCat("cores of node ", busiest, " (every claim together)");
    }
  } else {
    // Free running: actors and the learner's training thread take equal
    // shares of what the other threads leave; iterate to a fixed point
    // (the other threads' needs grow with x and u).
    for (int iteration = 0; iteration < 200; ++iteration) {
      std::vector<SizingClaim> claims = claims_at(x, u, false);
      for (SizingClaim& c : claims) {
        if (absl::EndsWith(c.name, " stepping") || c.name == "learner training") c.need = 1.0;
      }
      const std::vector<double> shares = shares_of(claims);
      double new_x = 0, new_u = 0;
      for (size_t i = 0; i < claims.size(); ++i) {
        if (absl::EndsWith(claims[i].name, " stepping")) new_x += shares[i] / p.actor_step_seconds;
        if (claims[i].name == "learner training") new_u = shares[i] / p.learner_update_seconds;
      }
      x = 0.5 * (x + new_x);
      u = 0.5 * (u + new_u);
    }
    p.limited_by = "no rate limit: actors and learner split the cores left by the other threads";
  }
  p.env_steps_per_second = x;
  p.updates_per_second = u;
  p.samples_per_second = u * batch;
  p.claims = claims_at(x, u, false);

  if (run.samples_per_insert > 0) {
    p.actors_one_learner_absorbs = p.learner_max_updates_per_second * batch /
                                   run.samples_per_insert / p.actor_full_core_steps_per_second;
  }
  p.shard_load = x * costs.shard_insert_seconds_per_transition +
                 p.samples_per_second * costs.shard_sample_seconds_per_transition;
  p.shards_needed = std::max(
      1, static_cast<int>(std::ceil(p.shard_load / std::max(cluster.max_shard_utilization, 1e-3))));

  const double bytes_per_step = run.bytes_per_episode / run.horizon;
  const double versions_per_second = u / run.publish_every;
  p.actor_bytes_out = x / run.actors * bytes_per_step;
  p.actor_bytes_in = versions_per_second * run.weight_bytes;
  p.shard_bytes_in = x / run.shards * bytes_per_step;
  p.shard_bytes_out = p.samples_per_second / run.shards * run.bytes_per_sampled_transition;
  p.learner_bytes_out = run.actors * p.actor_bytes_in;
  p.broadcast_seconds = run.actors * run.weight_bytes / cluster.network_bytes_per_second +
                        costs.call_latency_seconds;
  p.seconds_between_versions = versions_per_second > 0 ? 1 / versions_per_second : 0;

  if (cluster.nodes > 1) {
    const double node0_in = x * bytes_per_step;
    if (node0_in > cluster.network_bytes_per_second) {
      p.warnings.push_back(absl::StrCat("inserts into node 0 (", Bytes(node0_in),
                                        ") exceed its NIC: env steps are network-bound"));
    }
    if (p.broadcast_seconds > p.seconds_between_versions && p.seconds_between_versions > 0) {
      p.warnings.push_back(absl::StrFormat(
          "sending each version to all %d actors takes %.1f ms, more than the %.1f ms between "
          "versions: actors skip versions (raise publish_every or relay the weights)",
          run.actors, 1e3 * p.broadcast_seconds, 1e3 * p.seconds_between_versions));
    }
  }
  if (run.shards < p.shards_needed) {
    p.warnings.push_back(absl::StrFormat("%d shard(s) would run at %.0f %% each; %d keep them under "
                                         "%.0f %%",
                                         run.shards, 100 * p.shard_load / run.shards,
                                         p.shards_needed, 100 * cluster.max_shard_utilization));
  }
  return p;
}

std::string FormatPrediction(const SizingCluster& cluster, const SizingRun& run,
                             const SizingPrediction& p) {
  std::string out;
  absl::StrAppendFormat(&out,
                        "task %s: %d actor(s) x %d envs, %d shard(s), samples_per_insert %g, "
                        "batch %d\n",
                        run.task, run.actors, run.envs_per_actor, run.shards,
                        run.samples_per_insert, run.batch_size);
  absl::StrAppendFormat(&out, "cluster: %d node(s) x %g cores, %d GPU(s)\n", cluster.nodes,
                        cluster.cores_per_node, cluster.gpus);
  absl::StrAppendFormat(&out,
                        "costs: actor %.2f us/env step (%s steps/s on a core), learner %.2f ms "
                        "per update (%s updates/s on a core%s)\n",
                        1e6 * p.actor_step_seconds, Rate(p.actor_full_core_steps_per_second),
                        1e3 * p.learner_update_seconds, Rate(p.learner_max_updates_per_second),
                        cluster.gpus > 0 ? " and a GPU" : "");
  absl::StrAppendFormat(&out, "predicted: %s env steps/s, %s updates/s, %s samples/s\n",
                        Rate(p.env_steps_per_second), Rate(p.updates_per_second),
                        Rate(p.samples_per_second));
  absl::StrAppendFormat(&out, "limited by: %s\n", p.limited_by);
  // Cores used, one entry per kind of thread ("actor 3 stepping" -> "actor
  // stepping"), the mean over its threads and how many; then node totals.
  std::vector<std::string> kinds;
  std::map<std::string, std::pair<double, int>> by_kind;
  std::vector<double> node_use(cluster.nodes, 0);
  for (const SizingClaim& c : p.claims) {
    std::vector<std::string> words;
    for (absl::string_view word : absl::StrSplit(c.name, ' ')) {
      if (word.find_first_not_of("0123456789") != absl::string_view::npos) words.emplace_back(word);
    }
    const std::string kind = absl::StrJoin(words, " ");
    if (by_kind.find(kind) == by_kind.end()) kinds.push_back(kind);
    by_kind[kind].first += c.need;
    by_kind[kind].second += 1;
    node_use[c.node] += c.need;
  }
  out += "cores used:";
  for (const std::string& kind : kinds) {
    const auto& [sum, count] = by_kind[kind];
    absl::StrAppendFormat(&out, " %s %.2f%s;", kind, sum / count,
                          count > 1 ? absl::StrCat(" x ", count) : "");
  }
  absl::StrAppendFormat(&out, " node 0 %.2f of %g", node_use[0], cluster.cores_per_node);
  if (cluster.nodes > 1) {
    absl::StrAppendFormat(&out, ", nodes 1-%d at most %.2f of %g", cluster.nodes - 1,
                          *std::max_element(node_use.begin() + 1, node_use.end()),
                          cluster.cores_per_node);
  }
  out += "\n";
  if (run.samples_per_insert > 0) {
    absl::StrAppendFormat(&out, "one learner absorbs %.1f actors (at a core each)\n",
                          p.actors_one_learner_absorbs);
  }
  absl::StrAppendFormat(&out, "shard load %.2f shard-seconds/s: %d shard(s) needed\n",
                        p.shard_load, p.shards_needed);
  absl::StrAppendFormat(&out,
                        "network: per actor %s out, %s in (weights); per shard %s in, %s out; "
                        "learner %s out\n",
                        Bytes(p.actor_bytes_out), Bytes(p.actor_bytes_in), Bytes(p.shard_bytes_in),
                        Bytes(p.shard_bytes_out), Bytes(p.learner_bytes_out));
  for (const std::string& warning : p.warnings) absl::StrAppend(&out, "warning: ", warning, "\n");
  return out;
}

}  // namespace hem
