// RunActor in process, as the actor binary runs it: against a real replay
// shard, its StatusService answering while it runs, stopped by the atomic.
#include "actor/run_actor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "actor/actor_flags.h"
#include "common/grpc_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "proto/process_status.grpc.pb.h"
#include "replay_service/replay_server.h"

namespace hem {
namespace {

// A loopback port nobody listens on now (RunActor does not report the port
// it bound, as the binary's --port is how a launcher finds it).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(address.sin_port);
}

size_t StoredEpisodes(ReplayServer& server) {
  size_t n = 0;
  for (const auto& table : server.shard()->Snapshot()) n += table.episodes.size();
  return n;
}

template <typename Condition>
bool WaitFor(Condition condition, absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  return condition();
}

TEST(RunActor, ServesStatusAndStreamsEpisodesUntilStopped) {
  ReplayServerConfig replay_config;
  auto replay = ReplayServer::Start(replay_config);
  ASSERT_TRUE(replay.ok()) << replay.status();

  ActorOptions options;
  options.env_name = "flip_bit:k=6";
  options.num_envs = 4;
  options.actor_id = 3;
  options.replay_addresses = {(*replay)->address()};
  options.status_port = FreePort();
  ASSERT_GT(options.status_port, 0);
  std::atomic<bool> stop{false};
  absl::Status result = absl::UnknownError("RunActor did not return");
  std::thread actor([&] { result = RunActor(options, stop); });

  auto status_stub = hem::v1::StatusService::NewStub(
      CreateHemChannel(absl::StrCat("127.0.0.1:", options.status_port)));
  auto get_status = [&](hem::v1::ProcessStatus* status) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    return status_stub->GetStatus(&context, hem::v1::StatusRequest(), status).ok();
  };
  hem::v1::ProcessStatus status;
  EXPECT_TRUE(WaitFor([&] {
    return get_status(&status) && status.ready() && status.metrics().count("episodes") &&
           status.metrics().at("episodes") > 0;
  })) << "the actor's StatusService never reported episodes";
  EXPECT_EQ(status.role(), "actor");
  EXPECT_EQ(status.name(), "actor-3");
  EXPECT_EQ(status.labels().at("env"), "flip_bit:k=6");
  EXPECT_TRUE(WaitFor([&] { return StoredEpisodes(**replay) >= 10; }))
      << "no episodes reached the replay shard";

  stop.store(true);
  actor.join();
  EXPECT_TRUE(result.ok()) << result;
  EXPECT_FALSE(get_status(&status)) << "the StatusService outlived RunActor";
  EXPECT_TRUE((*replay)->Shutdown().ok());
}

TEST(RunActor, BadOptionsFailBeforeServing) {
  ActorOptions options;
  options.eval = true;  // Evaluation without a learner.
  std::atomic<bool> stop{false};
  absl::Status status = RunActor(options, stop);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "learner_address: evaluation needs the learner");
  EXPECT_EQ(ActorFlagError(status).message(), "--learner: evaluation needs the learner");
}

TEST(RunActor, AStatusPortInUseIsNamed) {
  ReplayServerConfig replay_config;
  auto replay = ReplayServer::Start(replay_config);
  ASSERT_TRUE(replay.ok()) << replay.status();
  ActorOptions options;
  options.replay_addresses = {(*replay)->address()};
  options.status_port = (*replay)->port();  // Taken.
  std::atomic<bool> stop{false};
  absl::Status status = RunActor(options, stop);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(ActorFlagError(status).message().rfind("--port: ", 0), 0u) << status;
}

}  // namespace
}  // namespace hem
