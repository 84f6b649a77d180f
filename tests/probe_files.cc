#include "tests/probe_files.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hem {
namespace {

constexpr char kEpisodesMagic[8] = {'H', 'E', 'M', 'E', 'P', 'I', '1', '\n'};
constexpr char kWeightsMagic[8] = {'H', 'E', 'M', 'W', 'G', 'T', '1', '\n'};
constexpr int64_t kMaxRank = 8;
constexpr int64_t kMaxTensors = 4096;
constexpr int64_t kMaxNameBytes = 1024;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

absl::StatusOr<File> Open(const std::string& path, const char* mode) {
  File f(std::fopen(path.c_str(), mode));
  if (f == nullptr) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  return f;
}

bool Put(std::FILE* f, const void* data, size_t bytes) {
  return bytes == 0 || std::fwrite(data, 1, bytes, f) == bytes;
}

bool PutInt(std::FILE* f, int64_t v) { return Put(f, &v, sizeof(v)); }

// Reads from a file of known size, refusing any read past its end, so a
// header that lies about a size fails before anything is allocated for it.
class Reader {
 public:
  Reader(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {
    std::fseek(f_, 0, SEEK_END);
    left_ = std::ftell(f_);
    std::fseek(f_, 0, SEEK_SET);
  }
  absl::Status Get(void* data, int64_t bytes, const char* what) {
    if (bytes < 0 || bytes > left_) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": ", what, ": needs ", bytes, " bytes, ", left_, " left"));
    }
    if (bytes > 0 && std::fread(data, 1, bytes, f_) != static_cast<size_t>(bytes)) {
      return absl::DataLossError(absl::StrCat(path_, ": ", what, ": short read"));
    }
    left_ -= bytes;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> GetInt(const char* what, int64_t lo, int64_t hi) {
    int64_t v = 0;
    if (absl::Status s = Get(&v, sizeof(v), what); !s.ok()) return s;
    if (v < lo || v > hi) return Invalid(absl::StrCat(what, ": ", v, " not in [", lo, ", ", hi, "]"));
    return v;
  }
  // Consumes the file's first 8 bytes, which must be `magic`.
  absl::Status ExpectMagic(const char (&magic)[8], const char* kind) {
    char got[sizeof(magic)];
    if (absl::Status s = Get(got, sizeof(got), "magic"); !s.ok()) return s;
    if (std::memcmp(got, magic, sizeof(got)) != 0) {
      return Invalid(absl::StrCat("not ", kind, " (bad magic)"));
    }
    return absl::OkStatus();
  }
  absl::Status Invalid(const std::string& why) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", why));
  }
  int64_t left() const { return left_; }

 private:
  std::FILE* f_;
  std::string path_;
  int64_t left_ = 0;
};

// One tensor: scalar type, rank, dims, then its bytes.
bool PutTensor(std::FILE* f, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  if (!PutInt(f, static_cast<int64_t>(c.scalar_type())) || !PutInt(f, c.dim())) return false;
  for (int64_t d : c.sizes()) {
    if (!PutInt(f, d)) return false;
  }
  return Put(f, c.data_ptr(), c.numel() * c.element_size());
}

absl::StatusOr<torch::Tensor> GetTensor(Reader& in, const std::string& what) {
  absl::StatusOr<int64_t> type = in.GetInt((what + " dtype").c_str(), 0, 64);
  if (!type.ok()) return type.status();
  const auto scalar = static_cast<torch::ScalarType>(*type);
  if (scalar != torch::kFloat32 && scalar != torch::kUInt8 && scalar != torch::kFloat64 &&
      scalar != torch::kInt64) {
    return in.Invalid(absl::StrCat(what, ": dtype ", *type, " is not float32, float64, uint8 or int64"));
  }
  absl::StatusOr<int64_t> rank = in.GetInt((what + " rank").c_str(), 0, kMaxRank);
  if (!rank.ok()) return rank.status();
  std::vector<int64_t> dims;
  int64_t bytes = c10::elementSize(scalar);
  for (int64_t i = 0; i < *rank; ++i) {
    absl::StatusOr<int64_t> d = in.GetInt((what + " dim").c_str(), 0, in.left());
    if (!d.ok()) return d.status();
    dims.push_back(*d);
    if (*d > 0 && bytes > in.left() / *d + 1) {
      return in.Invalid(absl::StrCat(what, ": shape needs more bytes than the file holds"));
    }
    bytes *= *d;
  }
  if (bytes > in.left()) {
    return in.Invalid(absl::StrCat(what, ": ", bytes, " bytes of data, ", in.left(), " left"));
  }
  torch::Tensor t = torch::empty(dims, torch::TensorOptions().dtype(scalar));
  if (absl::Status s = in.Get(t.data_ptr(), bytes, what.c_str()); !s.ok()) return s;
  return t;
}

}  // namespace

absl::StatusOr<PolicyNetwork> MakeProbeNetwork(const hem::v1::EnvSpec& spec, uint64_t seed) {
  hem::v1::PolicyConfig config;
  *config.mutable_spec() = spec;
  config.set_learn_sigma(true);
  absl::StatusOr<hem::v1::PolicyConfig> completed = CompletePolicyConfig(config);
  if (!completed.ok()) return completed.status();
  return MakePolicyNetwork(*completed, seed);
}

absl::Status WriteEpisodes(const ProbeEpisodes& episodes, const std::string& path) {
  absl::StatusOr<File> f = Open(path, "wb");
  if (!f.ok()) return f.status();
  if (!Put(f->get(), kEpisodesMagic, sizeof(kEpisodesMagic)) ||
      !PutTensor(f->get(), episodes.observations) || !PutTensor(f->get(), episodes.actions) ||
      !PutTensor(f->get(), episodes.achieved) || std::fflush(f->get()) != 0) {
    return absl::InternalError(absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ProbeEpisodes> ReadEpisodes(const std::string& path) {
  absl::StatusOr<File> f = Open(path, "rb");
  if (!f.ok()) return f.status();
  Reader in(f->get(), path);
  if (absl::Status s = in.ExpectMagic(kEpisodesMagic, "an episodes file"); !s.ok()) return s;
  ProbeEpisodes e;
  for (auto [tensor, name] : {std::pair{&e.observations, "observations"},
                              std::pair{&e.actions, "actions"},
                              std::pair{&e.achieved, "achieved"}}) {
    absl::StatusOr<torch::Tensor> t = GetTensor(in, name);
    if (!t.ok()) return t.status();
    *tensor = *t;
  }
  if (in.left() != 0) return in.Invalid(absl::StrCat(in.left(), " bytes after the last tensor"));
  if (e.observations.dim() < 3 || e.actions.dim() != 3 || e.achieved.dim() != 3 ||
      e.actions.scalar_type() != torch::kFloat32 || e.achieved.scalar_type() != torch::kFloat32) {
    return in.Invalid("want observations [E, T, ...], float32 actions [E, T, A], achieved [E, T+1, G]");
  }
  const int64_t episodes = e.observations.size(0), horizon = e.observations.size(1);
  if (episodes < 1 || horizon < 1 || e.actions.size(0) != episodes ||
      e.actions.size(1) != horizon || e.achieved.size(0) != episodes ||
      e.achieved.size(1) != horizon + 1) {
    return in.Invalid("observations, actions and achieved disagree on episodes or horizon");
  }
  return e;
}

absl::Status WriteWeights(torch::nn::Module& network, const std::string& path) {
  const std::vector<NamedTensor> tensors = SnapshotNetwork(network);
  absl::StatusOr<File> f = Open(path, "wb");
  if (!f.ok()) return f.status();
  bool ok = Put(f->get(), kWeightsMagic, sizeof(kWeightsMagic)) &&
            PutInt(f->get(), static_cast<int64_t>(tensors.size()));
  for (const NamedTensor& t : tensors) {
    ok = ok && PutInt(f->get(), static_cast<int64_t>(t.name.size())) &&
         Put(f->get(), t.name.data(), t.name.size()) && PutTensor(f->get(), t.tensor);
  }
  if (!ok || std::fflush(f->get()) != 0) {
    return absl::InternalError(absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

absl::Status ReadWeights(const std::string& path, torch::nn::Module& network) {
  absl::StatusOr<File> f = Open(path, "rb");
  if (!f.ok()) return f.status();
  Reader in(f->get(), path);
  if (absl::Status s = in.ExpectMagic(kWeightsMagic, "a weights file"); !s.ok()) return s;
  // The network's own tensors, in SnapshotNetwork's (and WriteWeights') order.
  std::vector<std::pair<std::string, torch::Tensor>> mine;
  for (const auto& p : network.named_parameters()) mine.emplace_back(p.key(), p.value());
  for (const auto& b : network.named_buffers()) mine.emplace_back(b.key(), b.value());
  absl::StatusOr<int64_t> count = in.GetInt("tensor count", 0, kMaxTensors);
  if (!count.ok()) return count.status();
  if (*count != static_cast<int64_t>(mine.size())) {
    return in.Invalid(absl::StrCat(*count, " tensors; the network has ", mine.size()));
  }
  std::vector<torch::Tensor> loaded;
  for (const auto& [want_name, want] : mine) {
    absl::StatusOr<int64_t> length = in.GetInt("name length", 0, kMaxNameBytes);
    if (!length.ok()) return length.status();
    std::string name(*length, '\0');
    if (absl::Status s = in.Get(name.data(), *length, "name"); !s.ok()) return s;
    if (name != want_name) {
      return in.Invalid(absl::StrCat("tensor '", name, "' where the network has '", want_name, "'"));
    }
    absl::StatusOr<torch::Tensor> t = GetTensor(in, name);
    if (!t.ok()) return t.status();
    if (t->sizes() != want.sizes() || t->scalar_type() != want.scalar_type()) {
      return in.Invalid(absl::StrCat(name, ": shape or dtype differs from the network's"));
    }
    loaded.push_back(*t);
  }
  if (in.left() != 0) return in.Invalid(absl::StrCat(in.left(), " bytes after the last tensor"));
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < mine.size(); ++i) mine[i].second.copy_(loaded[i]);
  return absl::OkStatus();
}

}  // namespace hem
