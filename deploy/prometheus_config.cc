// A run's prometheus.yml (see prometheus_config.h).
#include "deploy/prometheus_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/grpc_util.h"

namespace hem {
namespace {

// A YAML double-quoted scalar.
std::string Quoted(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::string PrometheusConfig(const hem::v1::RunDescription& run,
                             const std::vector<PlannedProcess>& processes) {
  const int interval = std::max(1, static_cast<int>(2 * run.sample_seconds() + 0.5));
  std::string yaml = absl::StrCat(
      "# Prometheus configuration for the hem run in ", run.run_dir(),
      "\n# (written by deploy/supervisor; deploy/prometheus_config.h). Watch the run with\n"
      "#   prometheus --config.file=", run.run_dir(), "/", kPrometheusConfigFile,
      " --storage.tsdb.path=/tmp/hem-prometheus\n"
      "global:\n"
      "  scrape_interval: ", interval, "s\n"
      "  scrape_timeout: ", interval, "s\n"
      "  external_labels:\n"
      "    hem_run: ", Quoted(run.run_dir()), "\n"
      "scrape_configs:\n"
      "  - job_name: hem\n");
  const std::string credentials = CredentialsDir(run);
  if (!credentials.empty()) {
    absl::StrAppend(&yaml,
                    "    scheme: https\n"
                    "    tls_config:\n"
                    "      ca_file: ", Quoted(absl::StrCat(credentials, "/ca.crt")), "\n",
                    "      server_name: ", kNodeCertificateName, "\n",
                    "    authorization:\n"
                    "      type: Bearer\n"
                    "      credentials_file: ", Quoted(absl::StrCat(credentials, "/token")),
                    "\n");
  }
  absl::StrAppend(&yaml, "    static_configs:\n");
  for (const PlannedProcess& p : processes) {
    absl::StrAppend(&yaml, "      - targets: [", Quoted(p.metrics_address), "]\n",
                    "        labels: {role: ", Quoted(p.role), ", index: ", Quoted(absl::StrCat(p.index)),
                    ", process: ", Quoted(p.name), "}\n");
  }
  return yaml;
}

absl::Status WritePrometheusConfig(const hem::v1::RunDescription& run,
                                   const std::vector<PlannedProcess>& processes) {
  return WriteFileAtomically(absl::StrCat(run.run_dir(), "/", kPrometheusConfigFile),
                             PrometheusConfig(run, processes));
}

}  // namespace hem
