// Minimal leveled logging to stderr, one line per message:
//   I1123 23:59:01.123456 replay_server.cc:42] message
// (Debian's Abseil 20220623 predates absl/log.) Thread-safe: each message is
// written with one write(2) call, so lines from threads never interleave.
#ifndef HEM_COMMON_LOGGING_H_
#define HEM_COMMON_LOGGING_H_

#include <sstream>

namespace hem {

enum class LogSeverity { kInfo, kWarning, kError, kFatal };

// Messages below this severity are dropped (default kInfo).
void SetMinLogSeverity(LogSeverity severity);

namespace logging_internal {

class LogMessage {
 public:
  LogMessage(LogSeverity severity, const char* file, int line);
  ~LogMessage();  // Writes the line; aborts after a kFatal message.
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogSeverity severity_;
  std::ostringstream stream_;
};

}  // namespace logging_internal
}  // namespace hem

#define HEM_LOG_SEVERITY_INFO ::hem::LogSeverity::kInfo
#define HEM_LOG_SEVERITY_WARNING ::hem::LogSeverity::kWarning
#define HEM_LOG_SEVERITY_ERROR ::hem::LogSeverity::kError
#define HEM_LOG_SEVERITY_FATAL ::hem::LogSeverity::kFatal

// HEM_LOG(INFO) << "stored " << n << " episodes";
#define HEM_LOG(severity)                                                   \
  ::hem::logging_internal::LogMessage(HEM_LOG_SEVERITY_##severity, __FILE__, \
                                      __LINE__)                             \
      .stream()

// Aborts with a message when `condition` is false. For programming errors
// only; anything caused by input returns an absl::Status instead.
#define HEM_CHECK(condition) \
  if (!(condition)) HEM_LOG(FATAL) << "Check failed: " #condition " "

#endif  // HEM_COMMON_LOGGING_H_
