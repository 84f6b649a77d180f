// What the make_seeds tools of every fuzz package share: writing one seed
// file, and the command line (one argument, the corpus root).
#ifndef HEM_COMMON_FUZZ_SEED_FILES_H_
#define HEM_COMMON_FUZZ_SEED_FILES_H_

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace hem {

// Writes `bytes` to <dir>/<name>, creating `dir`.
inline void WriteSeed(const std::string& dir, const std::string& name,
                      const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << bytes;
}

// main() of a make_seeds tool: `write(root)` with the corpus root given as
// the only argument; returns its exit status.
template <typename Fn>
int SeedMain(int argc, char** argv, Fn write) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus root>\n", argv[0]);
    return 2;
  }
  const int status = write(std::string(argv[1]));
  if (status == 0) std::printf("wrote seeds under %s\n", argv[1]);
  return status;
}

}  // namespace hem

#endif  // HEM_COMMON_FUZZ_SEED_FILES_H_
