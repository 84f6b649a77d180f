#include "common/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace hem {
namespace {

std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

TEST(AtomicFile, WritesAndReplaces) {
  const std::string path = TestDir() + "/replace.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  EXPECT_EQ(ReadFileToString(path).value(), "first");
  ASSERT_TRUE(WriteFileAtomically(path, "second, longer").ok());
  EXPECT_EQ(ReadFileToString(path).value(), "second, longer");
  EXPECT_FALSE(Exists(path + ".tmp"));
}

TEST(AtomicFile, AbandonedWriterLeavesTheOldFile) {
  const std::string path = TestDir() + "/abandon.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  {
    AtomicFileWriter file = AtomicFileWriter::Create(path).value();
    ASSERT_TRUE(file.Append("new, never committed").ok());
    EXPECT_TRUE(Exists(path + ".tmp"));
  }
  EXPECT_EQ(ReadFileToString(path).value(), "old");
  EXPECT_FALSE(Exists(path + ".tmp"));
}

TEST(AtomicFile, LargeAppendsInPieces) {
  const std::string path = TestDir() + "/large.bin";
  std::string expected;
  AtomicFileWriter file = AtomicFileWriter::Create(path).value();
  for (int i = 0; i < 40; ++i) {
    const std::string piece((i % 3 == 0 ? 3 << 20 : 1000), static_cast<char>('a' + i % 26));
    expected += piece;
    ASSERT_TRUE(file.Append(piece).ok());
  }
  EXPECT_EQ(file.bytes_written(), static_cast<int64_t>(expected.size()));
  ASSERT_TRUE(file.Commit().ok());
  EXPECT_EQ(ReadFileToString(path).value(), expected);
  EXPECT_FALSE(file.Append("x").ok()) << "append after commit";
}

TEST(AtomicFile, ModeIsApplied) {
  const std::string path = TestDir() + "/secret";
  ASSERT_TRUE(WriteFileAtomically(path + ".tmp", "stale, world-readable", 0644).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "token", 0600).ok());
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(AtomicFile, ErrorsNameThePath) {
  const std::string path = TestDir() + "/no/such/dir/file";
  absl::Status status = WriteFileAtomically(path, "x");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path), absl::string_view::npos) << status;
  absl::StatusOr<std::string> missing = ReadFileToString(TestDir() + "/missing");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_FALSE(SyncDirectory(TestDir() + "/no/such/dir").ok());
}

TEST(AtomicFile, DirectoryOf) {
  EXPECT_EQ(DirectoryOf("a/b/c"), "a/b");
  EXPECT_EQ(DirectoryOf("/c"), "/");
  EXPECT_EQ(DirectoryOf("c"), ".");
}

}  // namespace
}  // namespace hem
