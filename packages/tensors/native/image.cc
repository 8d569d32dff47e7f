// The image kernels of the view pipeline (every contrastive method's random resized crop and blur), which the wasm
// backend runs on one thread at 10-20 ns an element: CropAndResize (bilinear) and MirrorPad. Their positions and
// weights follow TensorFlow's definitions, as tfjs' cpu and wasm kernels do.
#include <node_api.h>

#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "addon.h"

namespace selfsup_native {

namespace {

std::vector<int64_t> anyIntArray(napi_env env, napi_value value, const char* name) {
  uint32_t length = 0;
  check(env, napi_get_array_length(env, value, &length), name);
  return intArray(env, value, length, name);
}

}  // namespace

// cropAndResize(image, boxes, boxInd, out, [batch, height, width, channels, boxes, cropHeight, cropWidth],
// extrapolation): bilinear samples of each box [y1, x1, y2, x2] (normalised, y2 < y1 flips) of image boxInd[b];
// samples outside the image take the extrapolation value; a box whose index is not an image gives zeros.
void cropAndResizeCall(napi_env env, napi_value* args) {
  const auto p = intArray(env, args[4], 7, "params");
  const int64_t batch = p[0], height = p[1], width = p[2], channels = p[3], count = p[4], cropHeight = p[5], cropWidth = p[6];
  if (batch < 0 || height < 1 || width < 1 || channels < 1 || count < 0 || cropHeight < 1 || cropWidth < 1) {
    throw JsError{"crop and resize: bad params"};
  }
  const float extrapolation = static_cast<float>(doubleArg(env, args[5], "extrapolation"));
  const F32 image = floatArray(env, args[0], "image"), boxes = floatArray(env, args[1], "boxes"), out = floatArray(env, args[3], "out");
  const int32_t* boxInd = int32Array(env, args[2], static_cast<size_t>(count), "boxInd");
  needs(image, batch * height * width * channels, "image");
  needs(boxes, count * 4, "boxes");
  const int64_t perBox = cropHeight * cropWidth * channels;
  needs(out, count * perBox, "out");
  const float* src = image.data;
  const float* box = boxes.data;
  float* dst = out.data;
#pragma omp parallel for schedule(static) if (count * perBox >= kElementwiseParallelMin)
  for (int64_t b = 0; b < count; b++) {
    float* outBox = dst + b * perBox;
    const int64_t index = boxInd[b];
    if (index < 0 || index >= batch) {
      for (int64_t i = 0; i < perBox; i++) outBox[i] = 0.f;
      continue;
    }
    const double y1 = box[b * 4], x1 = box[b * 4 + 1], y2 = box[b * 4 + 2], x2 = box[b * 4 + 3];
    const double heightScale = cropHeight > 1 ? (y2 - y1) * static_cast<double>(height - 1) / static_cast<double>(cropHeight - 1) : 0.;
    const double widthScale = cropWidth > 1 ? (x2 - x1) * static_cast<double>(width - 1) / static_cast<double>(cropWidth - 1) : 0.;
    const float* img = src + index * height * width * channels;
    for (int64_t y = 0; y < cropHeight; y++) {
      float* outRow = outBox + y * cropWidth * channels;
      const double inY = cropHeight > 1 ? y1 * static_cast<double>(height - 1) + static_cast<double>(y) * heightScale : 0.5 * (y1 + y2) * static_cast<double>(height - 1);
      if (inY < 0. || inY > static_cast<double>(height - 1)) {
        for (int64_t i = 0; i < cropWidth * channels; i++) outRow[i] = extrapolation;
        continue;
      }
      const int64_t top = static_cast<int64_t>(std::floor(inY)), bottom = static_cast<int64_t>(std::ceil(inY));
      const float yLerp = static_cast<float>(inY - static_cast<double>(top));
      const float* topRow = img + top * width * channels;
      const float* bottomRow = img + bottom * width * channels;
      for (int64_t x = 0; x < cropWidth; x++) {
        float* o = outRow + x * channels;
        const double inX = cropWidth > 1 ? x1 * static_cast<double>(width - 1) + static_cast<double>(x) * widthScale : 0.5 * (x1 + x2) * static_cast<double>(width - 1);
        if (inX < 0. || inX > static_cast<double>(width - 1)) {
          for (int64_t c = 0; c < channels; c++) o[c] = extrapolation;
          continue;
        }
        const int64_t left = static_cast<int64_t>(std::floor(inX)), right = static_cast<int64_t>(std::ceil(inX));
        const float xLerp = static_cast<float>(inX - static_cast<double>(left));
        for (int64_t c = 0; c < channels; c++) {
          const float topLeft = topRow[left * channels + c], topRight = topRow[right * channels + c];
          const float bottomLeft = bottomRow[left * channels + c], bottomRight = bottomRow[right * channels + c];
          const float upper = topLeft + (topRight - topLeft) * xLerp;
          const float lower = bottomLeft + (bottomRight - bottomLeft) * xLerp;
          o[c] = upper + (lower - upper) * yLerp;
        }
      }
    }
  }
}

// mirrorPad(x, out, shape, before, after, symmetric): pads every axis by mirroring, without the edge (reflect,
// symmetric 0) or with it (symmetric 1). The trailing axes that are not padded are copied as blocks.
void mirrorPadCall(napi_env env, napi_value* args) {
  const auto shape = anyIntArray(env, args[2], "shape");
  const auto before = intArray(env, args[3], shape.size(), "before");
  const auto after = intArray(env, args[4], shape.size(), "after");
  const bool symmetric = boolArg(env, args[5]);
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (rank < 1) throw JsError{"mirror pad: x must have rank 1 or more"};
  int64_t last = -1;  // the last padded axis
  int64_t inSize = 1, outSize = 1;
  std::vector<int64_t> outShape(rank);
  for (int64_t d = 0; d < rank; d++) {
    const int64_t limit = symmetric ? shape[d] : shape[d] - 1;
    if (shape[d] < 1 || before[d] < 0 || after[d] < 0 || before[d] > limit || after[d] > limit) throw JsError{"mirror pad: bad paddings"};
    outShape[d] = shape[d] + before[d] + after[d];
    if (before[d] > 0 || after[d] > 0) last = d;
    inSize *= shape[d];
    outSize *= outShape[d];
  }
  const F32 x = floatArray(env, args[0], "x"), out = floatArray(env, args[1], "out");
  needs(x, inSize, "x");
  needs(out, outSize, "out");
  if (last < 0) {
    std::memcpy(out.data, x.data, static_cast<size_t>(inSize) * sizeof(float));
    return;
  }
  int64_t inner = 1;
  for (int64_t d = last + 1; d < rank; d++) inner *= shape[d];
  std::vector<int64_t> inStride(rank);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; d--) {
    inStride[d] = stride;
    stride *= shape[d];
  }
  auto source = [&](int64_t d, int64_t i) {
    const int64_t n = shape[d];
    int64_t in = i - before[d];
    if (in < 0) in = symmetric ? -in - 1 : -in;
    else if (in >= n) in = symmetric ? 2 * n - 1 - in : 2 * n - 2 - in;
    return in;
  };
  // Rows: every output position of the axes before `last`; each row is outShape[last] blocks of `inner` floats.
  int64_t rows = 1;
  for (int64_t d = 0; d < last; d++) rows *= outShape[d];
  const int64_t rowLength = outShape[last] * inner;
  std::vector<int64_t> lastSource(outShape[last]);
  for (int64_t i = 0; i < outShape[last]; i++) lastSource[i] = source(last, i) * inStride[last];
  const float* src = x.data;
  float* dst = out.data;
#pragma omp parallel for schedule(static) if (outSize >= kElementwiseParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    int64_t base = 0, rest = r;
    for (int64_t d = last - 1; d >= 0; d--) {
      base += source(d, rest % outShape[d]) * inStride[d];
      rest /= outShape[d];
    }
    float* o = dst + r * rowLength;
    if (inner == 1) {
      for (int64_t i = 0; i < outShape[last]; i++) o[i] = src[base + lastSource[i]];
    } else {
      for (int64_t i = 0; i < outShape[last]; i++) std::memcpy(o + i * inner, src + base + lastSource[i], static_cast<size_t>(inner) * sizeof(float));
    }
  }
}

}  // namespace selfsup_native
