// Prometheus text format 0.0.4 (see prometheus_text.h).
#include "common/prometheus_text.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace hem {
namespace {

// Label values escape backslash, double quote and newline.
std::string LabelValue(absl::string_view value) {
  return absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

// HELP text escapes backslash and newline.
std::string HelpText(absl::string_view help) {
  return absl::StrReplaceAll(help, {{"\\", "\\\\"}, {"\n", "\\n"}});
}

}  // namespace

std::string PrometheusValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return absl::StrFormat("%.17g", value);
}

void PrometheusWriter::Header(absl::string_view name, absl::string_view type,
                            absl::string_view help) {
  absl::StrAppend(&text_, "# HELP ", name, " ", HelpText(help), "\n# TYPE ", name, " ", type,
                  "\n");
}

void PrometheusWriter::Counter(absl::string_view name, absl::string_view help, double value) {
  Header(name, "counter", help);
  absl::StrAppend(&text_, name, " ", PrometheusValue(value), "\n");
}

void PrometheusWriter::Gauge(absl::string_view name, absl::string_view help, double value) {
  Header(name, "gauge", help);
  absl::StrAppend(&text_, name, " ", PrometheusValue(value), "\n");
}

void PrometheusWriter::Histogram(absl::string_view name, absl::string_view help,
                               const DurationHistogram& histogram) {
  Header(name, "histogram", help);
  HistogramSamples(name, "", histogram);
}

void PrometheusWriter::CounterFamily(absl::string_view name, absl::string_view help,
                                   absl::string_view label,
                                   const std::vector<std::pair<std::string, double>>& samples) {
  Header(name, "counter", help);
  for (const auto& [value, count] : samples) {
    absl::StrAppend(&text_, name, "{", label, "=\"", LabelValue(value), "\"} ",
                    PrometheusValue(count), "\n");
  }
}

void PrometheusWriter::HistogramFamily(
    absl::string_view name, absl::string_view help, absl::string_view label,
    const std::vector<std::pair<std::string, const DurationHistogram*>>& samples) {
  Header(name, "histogram", help);
  for (const auto& [value, histogram] : samples) {
    HistogramSamples(name, absl::StrCat(label, "=\"", LabelValue(value), "\""), *histogram);
  }
}

void PrometheusWriter::HistogramSamples(absl::string_view name, absl::string_view labels,
                                      const DurationHistogram& histogram) {
  const DurationHistogram::Snapshot s = histogram.Read();
  const absl::string_view comma = labels.empty() ? "" : ",";
  absl::Span<const double> bounds = DurationHistogram::Bounds();
  for (size_t i = 0; i <= bounds.size(); ++i) {
    // Shortest form: le="0.0025", not 17 digits.
    const std::string le = i < bounds.size() ? absl::StrCat(bounds[i]) : "+Inf";
    absl::StrAppend(&text_, name, "_bucket{", labels, comma, "le=\"", le, "\"} ",
                    s.cumulative[i], "\n");
  }
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(&text_, name, "_sum", braces, " ", PrometheusValue(s.sum_seconds), "\n",
                  name, "_count", braces, " ", s.count, "\n");
}

}  // namespace hem
