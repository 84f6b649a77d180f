// Writes the seed corpora of the common/ fuzz targets from real inputs:
// tensors as the codec encodes them, every catalogue spec, and rendezvous
// entries and files as processes publish them.
//
//   bazel run //common/fuzz:make_seeds -- "$PWD/common/fuzz/corpus"
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/env_catalog.h"
#include "common/fuzz/seed_files.h"
#include "common/tensor_codec.h"
#include "proto/tensor.pb.h"

namespace hem {
namespace {

int Main(const std::string& root) {
  hem::v1::Tensor tensor;
  const std::vector<float> floats = {0.5f, -1.0f, 2.0f, 3.5f, 0.0f, 1e-3f};
  EncodeTensor<float>(floats, {2, 3}, &tensor);
  WriteSeed(root + "/tensor_codec_fuzz", "float_2x3", tensor.SerializeAsString());
  const std::vector<uint8_t> bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EncodeTensor<uint8_t>(bytes, {2, 2, 3}, &tensor);
  WriteSeed(root + "/tensor_codec_fuzz", "uint8_2x2x3", tensor.SerializeAsString());
  const std::vector<int32_t> ints = {0, 3, 1};
  EncodeTensor<int32_t>(ints, {3}, &tensor);
  WriteSeed(root + "/tensor_codec_fuzz", "int32_3", tensor.SerializeAsString());
  const std::vector<int64_t> longs = {-1, 7};
  EncodeTensor<int64_t>(longs, {2, 1}, &tensor);
  WriteSeed(root + "/tensor_codec_fuzz", "int64_2x1", tensor.SerializeAsString());

  for (const char* name : {"flip_bit:k=8", "fetch_reach", "nav:k=2", "point_mass", "reacher",
                           "sawyer_reach:image=48,image_goal=1", "fetch_reach:image=48"}) {
    absl::StatusOr<hem::v1::EnvSpec> spec = MakeEnvSpec(name);
    if (!spec.ok()) return 1;
    std::string file = name;
    for (char& c : file) {
      if (c == ':' || c == '=' || c == ',') c = '_';
    }
    WriteSeed(root + "/env_spec_fuzz", file, spec->SerializeAsString());
  }

  WriteSeed(root + "/rendezvous_fuzz", "replay_0", "rdzv:replay/0\n127.0.0.1:7001\n");
  WriteSeed(root + "/rendezvous_fuzz", "learner_ipv6", "rdzv:learner/0\n[::1]:7100");
  WriteSeed(root + "/rendezvous_fuzz", "hostname", "rdzv:actor/12\nnode7.cluster:40001\n");
  return 0;
}

}  // namespace
}  // namespace hem

int main(int argc, char** argv) { return hem::SeedMain(argc, argv, hem::Main); }
