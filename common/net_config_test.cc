// NetConfig's rule (no listening beyond loopback without credentials unless
// insecure), the advertised host, and loading a credentials directory.
#include "common/net_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

using ::testing::HasSubstr;

TEST(NetConfig, DefaultListensOnLoopbackWithNoSetUp) {
  const NetConfig config;
  EXPECT_EQ(config.bind_host, "127.0.0.1");
  EXPECT_TRUE(config.credentials_dir.empty());
  EXPECT_FALSE(config.insecure);
  EXPECT_TRUE(ValidateNetConfig(config).ok());
  EXPECT_EQ(AdvertiseHost(config), "127.0.0.1");
}

TEST(NetConfig, RefusesEveryInterfaceWithoutCredentials) {
  NetConfig config;
  config.bind_host = "0.0.0.0";
  const absl::Status status = ValidateNetConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("bind_host: 0.0.0.0 reaches beyond loopback"));
  EXPECT_THAT(status.message(), HasSubstr("deploy/make_credentials.sh"));
  EXPECT_THAT(status.message(), HasSubstr("insecure"));
  EXPECT_THAT(NetFieldError(status).message(), HasSubstr("net.bind_host: 0.0.0.0"));
  config.bind_host = "10.1.2.3";
  EXPECT_FALSE(ValidateNetConfig(config).ok());
}

TEST(NetConfig, CredentialsOrInsecureAllowExposure) {
  NetConfig config;
  config.bind_host = "0.0.0.0";
  config.insecure = true;
  EXPECT_TRUE(ValidateNetConfig(config).ok());
  config.insecure = false;
  config.credentials_dir = "/some/dir";
  EXPECT_TRUE(ValidateNetConfig(config).ok());
  config.bind_host = "";
  EXPECT_THAT(ValidateNetConfig(config).message(), HasSubstr("bind_host: must not be empty"));
}

TEST(NetConfig, LoopbackAndWildcardHosts) {
  for (const char* host : {"127.0.0.1", "127.5.0.1", "::1", "[::1]", "localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "node7"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  EXPECT_TRUE(IsWildcardHost("0.0.0.0"));
  EXPECT_TRUE(IsWildcardHost("[::]"));
  EXPECT_FALSE(IsWildcardHost("10.0.0.1"));
}

TEST(NetConfig, AdvertiseHostPrefersTheExplicitThenTheBoundAddress) {
  NetConfig config;
  config.bind_host = "10.0.0.7";
  EXPECT_EQ(AdvertiseHost(config), "10.0.0.7");
  config.advertise_host = "node7.cluster";
  EXPECT_EQ(AdvertiseHost(config), "node7.cluster");
  config.advertise_host = "";
  config.bind_host = "0.0.0.0";
  char hostname[256] = {};
  ASSERT_EQ(gethostname(hostname, sizeof(hostname) - 1), 0);
  EXPECT_EQ(AdvertiseHost(config), hostname);
}

TEST(NetConfig, HostPortBracketsIpv6) {
  EXPECT_EQ(HostPort("10.0.0.1", 7001), "10.0.0.1:7001");
  EXPECT_EQ(HostPort("::1", 7001), "[::1]:7001");
  EXPECT_EQ(HostPort("[::1]", 7001), "[::1]:7001");
}

class CredentialsDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
    Write("ca.crt", "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n");
    Write("node.crt", "-----BEGIN CERTIFICATE-----\nnode\n-----END CERTIFICATE-----\n");
    Write("node.key", "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n");
    Write("token", "0123abcd\n");
  }
  void Write(const std::string& name, const std::string& contents) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << contents;
    ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  }
  std::string dir_;
};

TEST_F(CredentialsDir, LoadsEveryFileAndTrimsTheToken) {
  absl::StatusOr<Credentials> credentials = LoadCredentials(dir_);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_THAT(credentials->ca_cert, HasSubstr("ca"));
  EXPECT_THAT(credentials->node_cert, HasSubstr("node"));
  EXPECT_THAT(credentials->node_key, HasSubstr("PRIVATE KEY"));
  EXPECT_EQ(credentials->token, "0123abcd");
}

TEST_F(CredentialsDir, MissingFileIsNamed) {
  ASSERT_EQ(unlink((dir_ + "/token").c_str()), 0);
  const absl::Status status = LoadCredentials(dir_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("credentials_dir: " + dir_ + "/token is missing"));
}

TEST_F(CredentialsDir, MalformedFilesAreRefused) {
  Write("token", "two words\n");
  EXPECT_THAT(LoadCredentials(dir_).status().message(), HasSubstr("/token must hold one word"));
  Write("token", "\n");
  EXPECT_FALSE(LoadCredentials(dir_).ok());
  Write("token", "ok");
  Write("node.key", "not a key");
  EXPECT_THAT(LoadCredentials(dir_).status().message(),
              HasSubstr("node.key does not hold PRIVATE KEY"));
}

TEST_F(CredentialsDir, NetConfigLoadsOnlyWhenADirectoryIsSet) {
  NetConfig config;
  absl::StatusOr<std::shared_ptr<const Credentials>> none = LoadNetCredentials(config);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  config.credentials_dir = dir_;
  absl::StatusOr<std::shared_ptr<const Credentials>> some = LoadNetCredentials(config);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ((*some)->token, "0123abcd");
  config.credentials_dir = dir_ + "/nope";
  EXPECT_THAT(LoadNetCredentials(config).status().message(),
              HasSubstr("net.credentials_dir: " + dir_ + "/nope/ca.crt is missing"));
}

}  // namespace
}  // namespace hem
