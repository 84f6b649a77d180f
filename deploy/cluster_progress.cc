// Polling a cluster and writing/reading progress.csv (see cluster_progress.h).
#include "deploy/cluster_progress.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "common/grpc_util.h"
#include "common/rendezvous.h"
#include "grpcpp/client_context.h"

namespace hem {
namespace {

constexpr ProgressColumn kColumns[] = {
    {"elapsed_seconds", 1, &ClusterProgress::elapsed_seconds},
    {"env_steps", 0, &ClusterProgress::env_steps},
    {"env_steps_per_second", 1, &ClusterProgress::env_steps_per_second},
    {"episodes", 0, &ClusterProgress::episodes},
    {"train_success_rate", 4, &ClusterProgress::train_success_rate},
    {"eval_success_rate", 4, &ClusterProgress::eval_success_rate},
    {"eval_version", 0, &ClusterProgress::eval_version},
    {"learner_updates", 0, &ClusterProgress::learner_updates},
    {"updates_per_second", 2, &ClusterProgress::updates_per_second},
    {"samples_per_second", 1, &ClusterProgress::samples_per_second},
    {"version", 0, &ClusterProgress::version},
    {"staleness", 2, &ClusterProgress::staleness},
    {"loss", 5, &ClusterProgress::loss},
    {"replay_transitions", 0, &ClusterProgress::replay_transitions},
    {"restarts", 0, &ClusterProgress::restarts},
};

double Metric(const hem::v1::ProcessStatus& status, const std::string& key,
              double fallback = 0) {
  auto it = status.metrics().find(key);
  return it == status.metrics().end() ? fallback : it->second;
}

void AddStatus(ClusterTarget& target, const hem::v1::ProcessStatus& status,
               ClusterProgress* p, int* actors) {
  const std::string& role = target.role;
  LifetimeCounters& counters = target.counters;
  counters.Observe(status.pid(), status.uptime_seconds());
  if (role == "actor") {
    ++*actors;
    p->env_steps += counters.Cumulative("env_steps", Metric(status, "env_steps"));
    p->env_steps_per_second += Metric(status, "env_steps_per_second");
    p->episodes += counters.Cumulative("episodes", Metric(status, "episodes"));
    p->train_success_rate += Metric(status, "train_success_rate");
  } else if (role == "evaluator") {
    p->eval_success_rate = Metric(status, "eval_success_rate", -1);
    p->eval_version = Metric(status, "policy_version", -1);
  } else if (role == "learner") {
    p->learner_updates = counters.Restored("updates", Metric(status, "updates"));
    p->updates_per_second = Metric(status, "updates_per_second");
    p->samples_per_second = Metric(status, "samples_per_second");
    p->version = Metric(status, "version", -1);
    p->staleness = Metric(status, "staleness_mean");
    p->loss = Metric(status, "loss");
  } else if (role == "replay") {
    p->replay_transitions += Metric(status, "transitions");
  }
}

// A process that does not answer (dead, restarting) still counted what it
// counted: its last cumulative numbers stay in the cluster's.
void AddLastCounts(const ClusterTarget& target, ClusterProgress* p) {
  if (target.role == "actor") {
    p->env_steps += target.counters.Last("env_steps");
    p->episodes += target.counters.Last("episodes");
  } else if (target.role == "learner") {
    p->learner_updates = target.counters.Last("updates");
  }
}

// The first line of `path`, without its newline; "" for a missing or empty file.
std::string FirstLine(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return "";
  std::string line;
  for (int c; (c = std::fgetc(file)) != EOF && c != '\n';) line.push_back(static_cast<char>(c));
  std::fclose(file);
  return line;
}

}  // namespace

absl::StatusOr<std::vector<ClusterTarget>> ParseTargets(absl::string_view list,
                                                        const NetConfig& net) {
  absl::StatusOr<std::shared_ptr<const Credentials>> credentials = LoadNetCredentials(net);
  if (!credentials.ok()) return credentials.status();
  std::vector<ClusterTarget> targets;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--targets: '", item, "' is not role=host:port"));
    }
    if (IsRendezvousAddress(parts[1])) {
      absl::StatusOr<std::string> address =
          ResolveAddress(net.rendezvous_dir, parts[1], net.rendezvous_timeout);
      if (!address.ok()) {
        return absl::Status(address.status().code(),
                            absl::StrCat("--targets: ", address.status().message()));
      }
      parts[1] = *std::move(address);
    }
    targets.push_back(
        {parts[0], parts[1],
         hem::v1::StatusService::NewStub(CreateHemChannel(parts[1], credentials->get()))});
  }
  return targets;
}

ClusterProgress PollCluster(std::vector<ClusterTarget>& targets) {
  ClusterProgress p;
  int actors = 0;
  for (ClusterTarget& target : targets) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    hem::v1::ProcessStatus status;
    target.answered = target.stub->GetStatus(&context, hem::v1::StatusRequest(), &status).ok();
    if (!target.answered) {
      p.unreachable.push_back(absl::StrCat(target.role, "@", target.address));
      AddLastCounts(target, &p);
      continue;
    }
    ++p.reachable;
    p.ready += status.ready();
    AddStatus(target, status, &p, &actors);
    target.last_status = std::move(status);
  }
  if (actors > 0) p.train_success_rate /= actors;
  return p;
}

absl::Span<const ProgressColumn> ProgressColumns() { return kColumns; }

std::string ProgressCsvHeader() {
  return absl::StrJoin(kColumns, ",", [](std::string* out, const ProgressColumn& c) {
    out->append(c.name);
  });
}

std::string ProgressCsvRow(const ClusterProgress& progress) {
  return absl::StrJoin(kColumns, ",", [&](std::string* out, const ProgressColumn& c) {
    out->append(absl::StrFormat("%.*f", c.decimals, progress.*c.value));
  });
}

absl::Status AppendProgressCsv(const std::string& path, const ClusterProgress& progress) {
  const std::string header = FirstLine(path);
  std::string text;
  if (header.empty()) {
    text = ProgressCsvHeader() + "\n";
  } else if (header != ProgressCsvHeader()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": its columns (", header, ") are not this version's (",
                     ProgressCsvHeader(), "); use a new run directory"));
  }
  absl::StrAppend(&text, ProgressCsvRow(progress), "\n");
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const int saved_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    return absl::UnavailableError(
        absl::StrCat(path, ": ", std::strerror(written ? errno : saved_errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> ReadCsvColumn(const std::string& path,
                                                  absl::string_view name) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  int index = -1;
  if (!lines.empty()) {
    std::vector<absl::string_view> names = absl::StrSplit(lines[0], ',');
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) index = static_cast<int>(i);
    }
  }
  if (index < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": no column '", name, "'"));
  }
  std::vector<double> values;
  for (size_t row = 1; row < lines.size(); ++row) {
    std::vector<absl::string_view> cells = absl::StrSplit(lines[row], ',');
    double value = 0;
    if (index < static_cast<int>(cells.size()) && absl::SimpleAtod(cells[index], &value)) {
      values.push_back(value);
    }
  }
  return values;
}

std::string ProgressLine(const ClusterProgress& p) {
  std::string test = p.eval_success_rate < 0
                         ? std::string("  -  ")
                         : absl::StrFormat("%.2f (v%d)", p.eval_success_rate,
                                           static_cast<int>(p.eval_version));
  std::string line = absl::StrFormat(
      "[%5.0fs] env steps %9.0f (%6.0f/s) | episodes %7.0f | train %.2f | test %s | "
      "learner %7.0f samples/s %5.1f upd/s v%d staleness %.1f loss %.3f | replay %.0f",
      p.elapsed_seconds, p.env_steps, p.env_steps_per_second, p.episodes,
      p.train_success_rate, test, p.samples_per_second, p.updates_per_second,
      static_cast<int>(p.version), p.staleness, p.loss, p.replay_transitions);
  if (p.restarts > 0) absl::StrAppend(&line, " | restarts ", p.restarts);
  for (const std::string& missing : p.unreachable) {
    absl::StrAppend(&line, " | UNREACHABLE ", missing);
  }
  return line;
}

}  // namespace hem
