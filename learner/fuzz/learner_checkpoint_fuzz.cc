// Fuzzes the learner checkpoint reader up to LibTorch: any bytes as a
// checkpoint file through UnframeCheckpoint (magic, length, CRC-32). What it
// accepts is an archive the learner wrote itself (the checksum says so);
// LibTorch's reading of it is not fuzzed here. Weights from the wire, the
// input no one vouches for, are: weights_loader_fuzz.
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "learner/checkpoint_framing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view file(reinterpret_cast<const char*>(data), size);
  auto archive = hem::UnframeCheckpoint(file, "fuzz");
  if (!archive.ok()) return 0;
  // Framed again, it is the same file.
  if (hem::CheckpointHead(archive->size()) + std::string(*archive) +
          hem::CheckpointTail(*archive) !=
      file) {
    std::abort();
  }
  return 0;
}
