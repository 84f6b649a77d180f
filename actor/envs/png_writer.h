// Writes RGB images as PNG files (libpng's simplified API), for people to
// look at what the image observations show.
#ifndef HEM_ACTOR_ENVS_PNG_WRITER_H_
#define HEM_ACTOR_ENVS_PNG_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hem {

// `rgb` holds height rows of width * 3 bytes, top row first. Each pixel is
// written as an upscale x upscale block (nearest neighbour; 1 = as is).
absl::Status WritePng(const std::string& path, const uint8_t* rgb, int width, int height,
                      int upscale = 1);

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // Rows top-down.
};

// Reads a PNG back as 8-bit RGB (tests use it to check what was written).
absl::StatusOr<RgbImage> ReadPng(const std::string& path);

}  // namespace hem

#endif  // HEM_ACTOR_ENVS_PNG_WRITER_H_
