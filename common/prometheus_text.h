// Writes the Prometheus text exposition format (version 0.0.4) that every
// hem process serves on /metrics: each family once with its HELP and TYPE
// lines, counters named "*_total", durations as histograms in seconds.
//
// Samples carry no "role" or "index" labels: which process they come from
// is the scrape target's identity, attached by Prometheus from the run's
// prometheus.yml (deploy/prometheus_config.h), as Prometheus advises for
// target labels; a family may split its samples by one label of its own
// (a rejection's reason, an update's phase).
//
//   PrometheusWriter text;
//   text.Counter("hem_actor_env_steps_total", "Environment steps.", 1200);
//   text.Histogram("hem_actor_inference_seconds", "Policy inference per step.", h);
//   return text.Release();
#ifndef HEM_COMMON_PROMETHEUS_TEXT_H_
#define HEM_COMMON_PROMETHEUS_TEXT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/duration_histogram.h"

namespace hem {

// A float as Prometheus reads it: "NaN", "+Inf", "-Inf" or 17 digits.
std::string PrometheusValue(double value);

class PrometheusWriter {
 public:
  // REQUIRES: `name` is a valid metric name, ends in "_total" for counters
  // and "_seconds" for histograms, and is not written twice.
  void Counter(absl::string_view name, absl::string_view help, double value);
  void Gauge(absl::string_view name, absl::string_view help, double value);
  void Histogram(absl::string_view name, absl::string_view help,
                 const DurationHistogram& histogram);

  // Families whose samples differ in one label (`label`="<first>").
  void CounterFamily(absl::string_view name, absl::string_view help,
                     absl::string_view label,
                     const std::vector<std::pair<std::string, double>>& samples);
  void HistogramFamily(
      absl::string_view name, absl::string_view help, absl::string_view label,
      const std::vector<std::pair<std::string, const DurationHistogram*>>& samples);

  const std::string& text() const { return text_; }
  std::string Release() { return std::move(text_); }

 private:
  void Header(absl::string_view name, absl::string_view type, absl::string_view help);
  void HistogramSamples(absl::string_view name, absl::string_view labels,
                        const DurationHistogram& histogram);

  std::string text_;
};

}  // namespace hem

#endif  // HEM_COMMON_PROMETHEUS_TEXT_H_
