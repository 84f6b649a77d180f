// Fuzzes the guard in front of torch::load (learner/weights_archive.h):
// any bytes as a zip directory, and as a candidate archive rebased onto a
// reference - both the candidate itself and a small stored-entry archive
// built here. A rebased archive must keep the reference's size.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <zlib.h>

#include "absl/strings/string_view.h"
#include "learner/weights_archive.h"

namespace {

void Put16(std::string* s, uint16_t v) { s->append(reinterpret_cast<char*>(&v), 2); }
void Put32(std::string* s, uint32_t v) { s->append(reinterpret_cast<char*>(&v), 4); }

// A zip of stored entries, as LibTorch lays one out (without its padding).
std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string zip, directory;
  for (const auto& [name, data] : files) {
    const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()),
                               static_cast<uInt>(data.size()));
    const uint32_t offset = static_cast<uint32_t>(zip.size());
    Put32(&zip, 0x04034b50);
    Put16(&zip, 20); Put16(&zip, 0); Put16(&zip, 0); Put16(&zip, 0); Put16(&zip, 0);
    Put32(&zip, crc); Put32(&zip, data.size()); Put32(&zip, data.size());
    Put16(&zip, name.size()); Put16(&zip, 0);
    zip += name + data;
    Put32(&directory, 0x02014b50);
    Put16(&directory, 20); Put16(&directory, 20); Put16(&directory, 0);
    Put16(&directory, 0); Put16(&directory, 0); Put16(&directory, 0);
    Put32(&directory, crc); Put32(&directory, data.size()); Put32(&directory, data.size());
    Put16(&directory, name.size()); Put16(&directory, 0); Put16(&directory, 0);
    Put16(&directory, 0); Put16(&directory, 0); Put32(&directory, 0);
    Put32(&directory, offset);
    directory += name;
  }
  const uint32_t directory_offset = static_cast<uint32_t>(zip.size());
  zip += directory;
  Put32(&zip, 0x06054b50);
  Put16(&zip, 0); Put16(&zip, 0);
  Put16(&zip, files.size()); Put16(&zip, files.size());
  Put32(&zip, directory.size()); Put32(&zip, directory_offset);
  Put16(&zip, 0);
  return zip;
}

const std::string& Reference() {
  static const std::string* reference = new std::string(StoredZip(
      {{"archive/data.pkl", "\x80\x02" "c__torch__.___torch_mangle_3\nModule\nq\x00."},
       {"archive/data/0", std::string(16, '\x01')},
       {"archive/data/1", std::string(4, '\x02')},
       {"archive/version", "3\n"}}));
  return *reference;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  (void)hem::ParseZipDirectory(input);
  auto self = hem::RebaseWeightsArchive(input, input);
  if (self.ok() && self->size() != size) std::abort();
  auto rebased = hem::RebaseWeightsArchive(input, Reference());
  if (rebased.ok() && rebased->size() != Reference().size()) std::abort();
  return 0;
}
