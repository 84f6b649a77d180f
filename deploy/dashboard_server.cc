// The supervisor's live dashboard (see dashboard_server.h).
#include "deploy/dashboard_server.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"

namespace hem {
namespace {

// Columns after the progress.csv ones.
constexpr const char* kExtraColumns[] = {"replay_inserts_per_second",
                                         "replay_samples_per_second"};

// A JSON string literal.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

// A JSON number; null for NaN and infinities.
std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.10g", value);
}

// One static file, read once at start.
struct StaticFile {
  const char* url;
  const char* path;  // Under static_dir.
  const char* content_type;
};

constexpr StaticFile kStaticFiles[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
    {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
    {"/uplot.js", "node_modules/uplot/dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
    {"/uplot.css", "node_modules/uplot/dist/uPlot.min.css", "text/css; charset=utf-8"},
};

}  // namespace

absl::StatusOr<std::unique_ptr<Dashboard>> Dashboard::Start(DashboardOptions options) {
  std::map<std::string, HttpHandler> routes;
  for (const StaticFile& file : kStaticFiles) {
    const std::string path = absl::StrCat(options.static_dir, "/", file.path);
    absl::StatusOr<std::string> contents = ReadFileToString(path);
    if (!contents.ok()) {
      return absl::NotFoundError(absl::StrCat(
          "dashboard: cannot read ", path, " (", contents.status().message(),
          "); deploy/install_deps.sh installs uPlot there"));
    }
    HttpResponse response;
    response.content_type = file.content_type;
    response.body = *std::move(contents);
    response.cache_seconds = 300;
    routes[file.url] = [response](const HttpRequest&) { return response; };
  }
  std::unique_ptr<Dashboard> dashboard(new Dashboard(options));
  routes["/api/progress"] = [d = dashboard.get()](const HttpRequest& request) {
    int64_t since = 0;
    auto it = request.query.find("since");
    if (it != request.query.end()) since = std::atoll(it->second.c_str());
    HttpResponse response;
    response.content_type = "application/json";
    response.body = d->ProgressJson(since);
    return response;
  };
  HttpServerOptions http;
  http.port = options.port;
  http.bind_host = options.bind_host;
  http.credentials = options.credentials;
  http.browser_login = true;
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(std::move(http), std::move(routes));
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("dashboard_port: ", server.status().message()));
  }
  dashboard->server_ = *std::move(server);
  return dashboard;
}

std::string Dashboard::url(const std::string& host) const {
  return absl::StrCat(options_.credentials ? "https://" : "http://", HostPort(host, port()),
                      "/");
}

void Dashboard::AddProgress(const ClusterProgress& progress, double replay_inserts_per_second,
                            double replay_samples_per_second) {
  absl::MutexLock lock(&mu_);
  std::vector<double> row;
  row.push_back(static_cast<double>(next_seq_++));
  for (const ProgressColumn& column : ProgressColumns()) row.push_back(progress.*column.value);
  row.push_back(replay_inserts_per_second);
  row.push_back(replay_samples_per_second);
  rows_.push_back(std::move(row));
  if (rows_.size() > kMaxRows) {  // Every other row of the older half goes.
    std::vector<std::vector<double>> kept;
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (i >= rows_.size() / 2 || i % 2 == 0) kept.push_back(std::move(rows_[i]));
    }
    rows_ = std::move(kept);
  }
}

void Dashboard::SetProcesses(std::vector<DashboardProcess> processes) {
  absl::MutexLock lock(&mu_);
  processes_ = std::move(processes);
}

void Dashboard::SetState(const std::string& state) {
  absl::MutexLock lock(&mu_);
  state_ = state;
}

std::string Dashboard::ProgressJson(int64_t since) const {
  std::string json = "{\"run\":{";
  absl::MutexLock lock(&mu_);
  absl::StrAppend(&json, "\"env\":", JsonString(options_.env),
                  ",\"run_dir\":", JsonString(options_.run_dir),
                  ",\"state\":", JsonString(state_), ",\"elapsed_seconds\":",
                  JsonNumber(absl::ToDoubleSeconds(absl::Now() - start_)), "},\"columns\":[");
  const char* separator = "";
  for (const ProgressColumn& column : ProgressColumns()) {
    absl::StrAppend(&json, separator, JsonString(column.name));
    separator = ",";
  }
  for (const char* name : kExtraColumns) absl::StrAppend(&json, ",", JsonString(name));
  json += "],\"rows\":[";
  separator = "";
  for (const std::vector<double>& row : rows_) {
    if (row[0] <= since) continue;
    json += separator;
    json += "[";
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&json, i > 0 ? "," : "", JsonNumber(row[i]));
    }
    json += "]";
    separator = ",";
  }
  absl::StrAppend(&json, "],\"last_seq\":", next_seq_ - 1, ",\"processes\":[");
  separator = "";
  for (const DashboardProcess& p : processes_) {
    absl::StrAppend(&json, separator, "{\"name\":", JsonString(p.name),
                    ",\"role\":", JsonString(p.role), ",\"index\":", p.index,
                    ",\"address\":", JsonString(p.address),
                    ",\"metrics_address\":", JsonString(p.metrics_address), ",\"pid\":", p.pid,
                    ",\"state\":", JsonString(p.state), ",\"restarts\":", p.restarts,
                    ",\"version\":", p.version >= 0 ? JsonNumber(p.version) : "null",
                    ",\"ready\":", p.ready ? "true" : "false", "}");
    separator = ",";
  }
  json += "]}";
  return json;
}

}  // namespace hem
