// Freezes the wire contract of package hem.v1: every field below must keep its
// number and type, every enum value its number, every RPC its name and
// streaming shape. Adding fields, values or RPCs is compatible and passes;
// renumbering, retyping or removing one fails here before it breaks a
// running cluster (actors, shards and learners of different builds).
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "proto/batch.pb.h"
#include "proto/env_spec.pb.h"
#include "proto/policy.grpc.pb.h"
#include "proto/process_status.grpc.pb.h"
#include "proto/replay_service.grpc.pb.h"
#include "proto/run.pb.h"
#include "proto/tensor.pb.h"
#include "proto/trajectory.pb.h"

namespace hem {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;

struct FrozenField {
  const char* message;
  const char* field;
  int number;
  FieldDescriptor::Type type;
};

TEST(ProtoCompatibility, FieldNumbersAndTypesAreFrozen) {
  // Linking the generated code registers the files in the generated pool.
  hem::v1::Trajectory trajectory;
  hem::v1::Batch batch;
  hem::v1::EnvSpec spec;
  hem::v1::PolicyWeights weights;
  hem::v1::ReplayStats stats;
  hem::v1::ProcessStatus status;
  hem::v1::RunDescription run;
  const std::vector<FrozenField> frozen = {
    {"hem.v1.Batch", "spec_id", 1, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.Batch", "size", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.Batch", "observations", 3, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "goals", 4, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "actions", 5, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "next_observations", 6, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "rewards", 7, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "terminals", 8, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "goal_observations", 9, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "policy_versions", 10, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Batch", "num_relabeled", 11, FieldDescriptor::TYPE_INT32},
    {"hem.v1.DiscreteActionSpace", "n", 1, FieldDescriptor::TYPE_INT32},
    {"hem.v1.BoxActionSpace", "low", 1, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.BoxActionSpace", "high", 2, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.ActionSpace", "discrete", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.ActionSpace", "box", 2, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.SuccessSpec", "rule", 1, FieldDescriptor::TYPE_ENUM},
    {"hem.v1.SuccessSpec", "threshold", 2, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.SuccessSpec", "goal_low", 3, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.SuccessSpec", "goal_high", 4, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.EnvSpec", "env_name", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.EnvSpec", "spec_id", 2, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.EnvSpec", "observation", 3, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.EnvSpec", "goal_dim", 4, FieldDescriptor::TYPE_INT32},
    {"hem.v1.EnvSpec", "action_space", 5, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.EnvSpec", "horizon", 6, FieldDescriptor::TYPE_INT32},
    {"hem.v1.EnvSpec", "success", 7, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.EnvSpec", "goal_observation", 8, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.EnvSpec", "terminate_on_success", 9, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.PolicyConfig", "spec", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.PolicyConfig", "hidden_sizes", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.PolicyConfig", "learn_sigma", 3, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.PolicyConfig", "initial_sigma", 4, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.PolicyConfig", "normalize_inputs", 5, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.PolicyWeights", "version", 1, FieldDescriptor::TYPE_INT64},
    {"hem.v1.PolicyWeights", "update_count", 2, FieldDescriptor::TYPE_INT64},
    {"hem.v1.PolicyWeights", "config", 3, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.PolicyWeights", "weights", 4, FieldDescriptor::TYPE_BYTES},
    {"hem.v1.GetPolicyRequest", "newer_than", 1, FieldDescriptor::TYPE_INT64},
    {"hem.v1.GetPolicyRequest", "wait_ms", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.GetPolicyRequest", "metadata_only", 3, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.WatchPolicyRequest", "newer_than", 1, FieldDescriptor::TYPE_INT64},
    {"hem.v1.EvaluationReport", "evaluator", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.EvaluationReport", "policy_version", 2, FieldDescriptor::TYPE_INT64},
    {"hem.v1.EvaluationReport", "episodes", 3, FieldDescriptor::TYPE_INT32},
    {"hem.v1.EvaluationReport", "success_rate", 4, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.EvaluationReport", "env_steps", 5, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ActorReport", "actor_id", 1, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.ActorReport", "env_steps", 2, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ActorReport", "episodes", 3, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ActorReport", "train_success_rate", 4, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.ActorReport", "policy_version", 5, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ActorReport", "env_steps_per_second", 6, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.ProcessStatus", "role", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.ProcessStatus", "name", 2, FieldDescriptor::TYPE_STRING},
    {"hem.v1.ProcessStatus", "pid", 3, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ProcessStatus", "uptime_seconds", 4, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.ProcessStatus", "ready", 5, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.ProcessStatus", "metrics", 6, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.ProcessStatus", "labels", 7, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.InsertRequest", "spec", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.InsertRequest", "trajectory", 2, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.InsertRequest", "request_id", 3, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.InsertResponse", "request_id", 1, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.InsertResponse", "stored", 2, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.InsertResponse", "error", 3, FieldDescriptor::TYPE_STRING},
    {"hem.v1.InsertResponse", "stored_transitions", 4, FieldDescriptor::TYPE_INT64},
    {"hem.v1.SampleRequest", "spec_id", 1, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.SampleRequest", "batch_size", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.SampleRequest", "num_batches", 3, FieldDescriptor::TYPE_INT64},
    {"hem.v1.SampleRequest", "strategy", 4, FieldDescriptor::TYPE_ENUM},
    {"hem.v1.SampleRequest", "relabel_probability", 5, FieldDescriptor::TYPE_FLOAT},
    {"hem.v1.SampleRequest", "with_next", 6, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.SampleRequest", "seed", 7, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.SampleRequest", "future_window", 8, FieldDescriptor::TYPE_INT32},
    {"hem.v1.SampleResponse", "batch", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.ReplayStats", "shard_index", 1, FieldDescriptor::TYPE_INT32},
    {"hem.v1.ReplayStats", "num_shards", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.ReplayStats", "transitions", 3, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "episodes", 4, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "bytes", 5, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "capacity_transitions", 6, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "inserted_episodes", 7, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "inserted_transitions", 8, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "rejected_trajectories", 9, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "evicted_episodes", 10, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "sampled_transitions", 11, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "relabeled_transitions", 12, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "inserts_per_second", 13, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.ReplayStats", "samples_per_second", 14, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.ReplayStats", "rate_limiter_sample_waits", 15, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "rate_limiter_insert_waits", 16, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "checkpoints_written", 17, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayStats", "last_checkpoint", 18, FieldDescriptor::TYPE_STRING},
    {"hem.v1.TensorSpec", "dtype", 1, FieldDescriptor::TYPE_ENUM},
    {"hem.v1.TensorSpec", "shape", 2, FieldDescriptor::TYPE_INT64},
    {"hem.v1.Tensor", "dtype", 1, FieldDescriptor::TYPE_ENUM},
    {"hem.v1.Tensor", "shape", 2, FieldDescriptor::TYPE_INT64},
    {"hem.v1.Tensor", "data", 3, FieldDescriptor::TYPE_BYTES},
    {"hem.v1.Trajectory", "env_name", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.Trajectory", "spec_id", 2, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.Trajectory", "actor_id", 3, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.Trajectory", "episode_id", 4, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.Trajectory", "policy_version", 5, FieldDescriptor::TYPE_INT64},
    {"hem.v1.Trajectory", "num_steps", 6, FieldDescriptor::TYPE_INT32},
    {"hem.v1.Trajectory", "observations", 7, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Trajectory", "achieved_goals", 8, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Trajectory", "desired_goal", 9, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Trajectory", "actions", 10, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Trajectory", "successes", 11, FieldDescriptor::TYPE_BYTES},
    {"hem.v1.Trajectory", "goal_observation", 12, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.Trajectory", "seed", 13, FieldDescriptor::TYPE_UINT64},
    // The run description: run.textproto files name these fields.
    {"hem.v1.Resources", "cpus", 1, FieldDescriptor::TYPE_INT32},
    {"hem.v1.Resources", "gpus", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.Resources", "gres", 3, FieldDescriptor::TYPE_STRING},
    {"hem.v1.Resources", "memory_mb", 4, FieldDescriptor::TYPE_INT64},
    {"hem.v1.Placement", "hosts", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.RestartPolicy", "max_restarts", 1, FieldDescriptor::TYPE_INT32},
    {"hem.v1.RestartPolicy", "window_seconds", 2, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.RestartPolicy", "initial_backoff_seconds", 3, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.RestartPolicy", "max_backoff_seconds", 4, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.RoleSpec", "count", 1, FieldDescriptor::TYPE_INT32},
    {"hem.v1.RoleSpec", "extra_flags", 2, FieldDescriptor::TYPE_STRING},
    {"hem.v1.RoleSpec", "resources", 3, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RoleSpec", "placement", 4, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RoleSpec", "restart", 5, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.ReplayRole", "role", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.ReplayRole", "samples_per_insert", 2, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.ReplayRole", "min_size_to_sample", 3, FieldDescriptor::TYPE_INT64},
    {"hem.v1.ReplayRole", "capacity_transitions", 4, FieldDescriptor::TYPE_INT64},
    {"hem.v1.LearnerRole", "role", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.LearnerRole", "device", 2, FieldDescriptor::TYPE_STRING},
    {"hem.v1.LearnerRole", "batch_size", 3, FieldDescriptor::TYPE_INT32},
    {"hem.v1.LearnerRole", "algo", 4, FieldDescriptor::TYPE_STRING},
    {"hem.v1.ActorRole", "role", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.ActorRole", "envs_per_actor", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.EvaluatorRole", "role", 1, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.EvaluatorRole", "episodes", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.EvaluatorRole", "interval_seconds", 3, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.Network", "bind_host", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.Network", "advertise_host", 2, FieldDescriptor::TYPE_STRING},
    {"hem.v1.Network", "tls", 3, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.Network", "credentials_dir", 4, FieldDescriptor::TYPE_STRING},
    {"hem.v1.Network", "insecure", 5, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.Network", "rendezvous", 6, FieldDescriptor::TYPE_BOOL},
    {"hem.v1.StopRules", "target_success", 1, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.StopRules", "max_env_steps", 2, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.StopRules", "time_limit_seconds", 3, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.StopRules", "settle_evaluations", 4, FieldDescriptor::TYPE_INT32},
    {"hem.v1.SlurmOptions", "partition", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.SlurmOptions", "nodes", 2, FieldDescriptor::TYPE_INT32},
    {"hem.v1.SlurmOptions", "time", 3, FieldDescriptor::TYPE_STRING},
    {"hem.v1.SlurmOptions", "account", 4, FieldDescriptor::TYPE_STRING},
    {"hem.v1.SlurmOptions", "learner_gres", 5, FieldDescriptor::TYPE_STRING},
    {"hem.v1.SlurmOptions", "sbatch_flags", 6, FieldDescriptor::TYPE_STRING},
    {"hem.v1.KubernetesOptions", "namespace", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.KubernetesOptions", "image", 2, FieldDescriptor::TYPE_STRING},
    {"hem.v1.RunDescription", "env", 1, FieldDescriptor::TYPE_STRING},
    {"hem.v1.RunDescription", "seed", 2, FieldDescriptor::TYPE_UINT64},
    {"hem.v1.RunDescription", "run_dir", 3, FieldDescriptor::TYPE_STRING},
    {"hem.v1.RunDescription", "backend", 4, FieldDescriptor::TYPE_ENUM},
    {"hem.v1.RunDescription", "base_port", 5, FieldDescriptor::TYPE_INT32},
    {"hem.v1.RunDescription", "replay", 10, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "learner", 11, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "actors", 12, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "evaluator", 13, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "network", 20, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "stop", 21, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "restart", 22, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "checkpoint_seconds", 23, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.RunDescription", "progress_seconds", 24, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.RunDescription", "sample_seconds", 25, FieldDescriptor::TYPE_DOUBLE},
    {"hem.v1.RunDescription", "slurm", 30, FieldDescriptor::TYPE_MESSAGE},
    {"hem.v1.RunDescription", "kubernetes", 31, FieldDescriptor::TYPE_MESSAGE},
  };
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const FrozenField& f : frozen) {
    const auto* message = pool->FindMessageTypeByName(f.message);
    ASSERT_NE(message, nullptr) << f.message << " was removed or renamed";
    const FieldDescriptor* field = message->FindFieldByName(f.field);
    ASSERT_NE(field, nullptr) << f.message << "." << f.field << " was removed";
    EXPECT_EQ(field->number(), f.number) << f.message << "." << f.field;
    EXPECT_EQ(field->type(), f.type) << f.message << "." << f.field;
  }
}

TEST(ProtoCompatibility, EnumValuesAreFrozen) {
  struct FrozenValue {
    const char* enum_name;
    const char* value;
    int number;
  };
  const std::vector<FrozenValue> frozen = {
      {"hem.v1.DType", "DTYPE_FLOAT32", 1},
      {"hem.v1.DType", "DTYPE_UINT8", 2},
      {"hem.v1.DType", "DTYPE_INT32", 3},
      {"hem.v1.DType", "DTYPE_INT64", 4},
      {"hem.v1.SuccessRule", "SUCCESS_RULE_EXACT_MATCH", 1},
      {"hem.v1.SuccessRule", "SUCCESS_RULE_EUCLIDEAN_BELOW", 2},
      {"hem.v1.SuccessRule", "SUCCESS_RULE_NORMALIZED_EUCLIDEAN_AT_MOST", 3},
      {"hem.v1.RelabelStrategy", "RELABEL_NONE", 1},
      {"hem.v1.RelabelStrategy", "RELABEL_FUTURE", 2},
      {"hem.v1.RelabelStrategy", "RELABEL_FINAL", 3},
      {"hem.v1.RelabelStrategy", "RELABEL_EPISODE", 4},
      {"hem.v1.RelabelStrategy", "RELABEL_RANDOM", 5},
      {"hem.v1.Backend", "BACKEND_LOCAL", 1},
      {"hem.v1.Backend", "BACKEND_SLURM", 2},
      {"hem.v1.Backend", "BACKEND_KUBERNETES", 3},
  };
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const FrozenValue& v : frozen) {
    const auto* enum_type = pool->FindEnumTypeByName(v.enum_name);
    ASSERT_NE(enum_type, nullptr) << v.enum_name;
    const auto* value = enum_type->FindValueByName(v.value);
    ASSERT_NE(value, nullptr) << v.enum_name << "." << v.value << " was removed";
    EXPECT_EQ(value->number(), v.number) << v.value;
  }
}

TEST(ProtoCompatibility, RpcsKeepTheirStreamingShape) {
  struct FrozenRpc {
    const char* service;
    const char* method;
    bool client_streaming;
    bool server_streaming;
  };
  const std::vector<FrozenRpc> frozen = {
      {"hem.v1.ReplayService", "Insert", true, true},
      {"hem.v1.ReplayService", "Sample", false, true},
      {"hem.v1.ReplayService", "GetStats", false, false},
      {"hem.v1.ParameterService", "GetPolicy", false, false},
      {"hem.v1.ParameterService", "WatchPolicy", false, true},
      {"hem.v1.ParameterService", "ReportEvaluation", false, false},
      {"hem.v1.ParameterService", "ReportActor", false, false},
      {"hem.v1.StatusService", "GetStatus", false, false},
  };
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const FrozenRpc& r : frozen) {
    const auto* service = pool->FindServiceByName(r.service);
    ASSERT_NE(service, nullptr) << r.service;
    const auto* method = service->FindMethodByName(r.method);
    ASSERT_NE(method, nullptr) << r.service << "." << r.method << " was removed";
    EXPECT_EQ(method->client_streaming(), r.client_streaming) << r.method;
    EXPECT_EQ(method->server_streaming(), r.server_streaming) << r.method;
  }
}

TEST(ProtoCompatibility, PackageIsVersioned) {
  EXPECT_EQ(hem::v1::Trajectory::descriptor()->file()->package(), "hem.v1");
}

}  // namespace
}  // namespace hem
