#include "common/checkpoint_files.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

std::string FreshDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
}

void Write(const CheckpointFiles& files, int64_t sequence, const std::string& body) {
  const std::string path = files.PathFor(sequence).value();
  ASSERT_TRUE(WriteFileAtomically(path, body).ok());
}

TEST(CheckpointFiles, NamesListNewestFirstAndPrune) {
  CheckpointFiles files(FreshDir("prune/nested"), "ckpt-", ".bin", 4, 2);
  EXPECT_TRUE(files.List().empty());
  EXPECT_EQ(files.NewestSequence(), -1);
  for (int64_t s : {3, 10, 7}) Write(files, s, "x");
  ASSERT_TRUE(WriteFileAtomically(files.dir() + "/unrelated.txt", "y").ok());
  ASSERT_TRUE(WriteFileAtomically(files.dir() + "/ckpt-abc.bin", "y").ok());
  std::vector<std::string> listed = files.List();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_TRUE(absl::EndsWith(listed[0], "/ckpt-0010.bin")) << listed[0];
  EXPECT_TRUE(absl::EndsWith(listed[2], "/ckpt-0003.bin")) << listed[2];
  EXPECT_EQ(files.NewestSequence(), 10);
  ASSERT_TRUE(files.Prune().ok());
  listed = files.List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_TRUE(absl::EndsWith(listed[1], "/ckpt-0007.bin")) << listed[1];
}

TEST(CheckpointFiles, RestoreSkipsCorruptFilesAndReportsThem) {
  CheckpointFiles files(FreshDir("restore"), "c-", ".ck", 6, 5);
  Write(files, 1, "good-1");
  Write(files, 2, "good-2");
  Write(files, 3, "torn");
  std::vector<std::string> loaded, problems;
  auto load = [&](const std::string& path) -> absl::Status {
    const std::string body = ReadFileToString(path).value();
    if (!absl::StartsWith(body, "good")) {
      return absl::DataLossError(absl::StrCat(path, ": torn"));
    }
    loaded.push_back(body);
    return absl::OkStatus();
  };
  const std::string path = files.RestoreNewest(load, &problems).value();
  EXPECT_TRUE(absl::EndsWith(path, "c-000002.ck")) << path;
  EXPECT_EQ(loaded, std::vector<std::string>{"good-2"});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("c-000003.ck: torn"), std::string::npos) << problems[0];
}

TEST(CheckpointFiles, RestoreStopsOnOtherErrorsAndReturnsEmptyWhenNoneLoads) {
  CheckpointFiles files(FreshDir("fatal"), "c-", ".ck", 3, 5);
  Write(files, 1, "a");
  Write(files, 2, "b");
  int calls = 0;
  absl::StatusOr<std::string> fatal = files.RestoreNewest(
      [&](const std::string&) {
        ++calls;
        return absl::FailedPreconditionError("another configuration");
      },
      nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(fatal.status()));
  EXPECT_EQ(calls, 1);
  std::vector<std::string> problems;
  absl::StatusOr<std::string> none = files.RestoreNewest(
      [](const std::string& p) { return absl::DataLossError(p); }, &problems);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  EXPECT_EQ(problems.size(), 2u);
}

}  // namespace
}  // namespace hem
