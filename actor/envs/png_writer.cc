#include "actor/envs/png_writer.h"

#include <png.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace hem {

absl::Status WritePng(const std::string& path, const uint8_t* rgb, int width, int height,
                      int upscale) {
  if (width < 1 || height < 1 || upscale < 1) {
    return absl::InvalidArgumentError(absl::StrCat("WritePng: bad size ", width, "x", height,
                                                   " upscale ", upscale));
  }
  const int out_width = width * upscale;
  const int out_height = height * upscale;
  std::vector<uint8_t> scaled(static_cast<size_t>(out_width) * out_height * 3);
  for (int r = 0; r < out_height; ++r) {
    for (int c = 0; c < out_width; ++c) {
      std::memcpy(&scaled[(static_cast<size_t>(r) * out_width + c) * 3],
                  &rgb[(static_cast<size_t>(r / upscale) * width + c / upscale) * 3], 3);
    }
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = out_width;
  image.height = out_height;
  image.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&image, path.c_str(), 0, scaled.data(), 0, nullptr)) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", image.message));
  }
  return absl::OkStatus();
}

absl::StatusOr<RgbImage> ReadPng(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", image.message));
  }
  image.format = PNG_FORMAT_RGB;
  RgbImage result;
  result.width = image.width;
  result.height = image.height;
  result.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, result.rgb.data(), 0, nullptr)) {
    return absl::DataLossError(absl::StrCat("cannot decode ", path, ": ", image.message));
  }
  return result;
}

}  // namespace hem
