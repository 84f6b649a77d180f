// The guard between policy weights from the wire and torch::load. Weights
// travel as a LibTorch archive (a zip of a pickle describing the tensors
// and one raw entry per tensor's data); LibTorch's zip and pickle readers
// were not written for hostile input, so a receiver never hands them bytes
// it did not write itself:
//
//   1. the candidate archive's zip directory is parsed strictly (every
//      offset and length checked against the buffer, no compression or
//      encryption where data is expected);
//   2. it must describe exactly the network the receiver built from the
//      config: the same pickle (names, dtypes, shapes, storage keys; LibTorch's
//      per-process "___torch_mangle_N" class numbers aside) and data entries
//      of the same sizes, each matching its CRC-32;
//   3. the result is the receiver's own archive of its network with only the
//      tensor data bytes replaced by the candidate's.
//
// LibTorch then reads a zip and a pickle this process produced, plus raw
// little-endian numbers (checked for finiteness after loading). No LibTorch
// in this file: it is fuzzed with ASan on its own.
#ifndef HEM_LEARNER_WEIGHTS_ARCHIVE_H_
#define HEM_LEARNER_WEIGHTS_ARCHIVE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hem {

// One file of a zip archive, located by its central directory.
struct ZipEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;  // 0 = stored.
  uint32_t crc = 0;
  uint64_t size = 0;             // Uncompressed.
  uint64_t compressed_size = 0;
  uint64_t local_offset = 0;     // Its local header.
  uint64_t central_offset = 0;   // Its central directory record.
  uint64_t data_offset = 0;      // First byte of its data.
};

// Largest archive accepted (far above any policy's weights).
inline constexpr uint64_t kMaxWeightsArchiveBytes = uint64_t{1} << 30;

// The entries of `zip`, in central directory order. INVALID_ARGUMENT
// "weights: <why>" unless every structure lies inside the buffer, entries do
// not overlap the directory, names are unique and local headers agree.
absl::StatusOr<std::vector<ZipEntry>> ParseZipDirectory(absl::string_view zip);

// Checks `candidate` against `reference` (this process's archive of the
// same network) as described above and returns `reference` carrying the
// candidate's tensor data. INVALID_ARGUMENT "weights: ..." naming the first
// difference.
absl::StatusOr<std::string> RebaseWeightsArchive(absl::string_view candidate,
                                                 absl::string_view reference);

}  // namespace hem

#endif  // HEM_LEARNER_WEIGHTS_ARCHIVE_H_
