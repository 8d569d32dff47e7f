// Training-mode batch normalisation over the last axis of a row-major [outer, channels] tensor (NHWC and [N, C] data
// alike). The forward computes the batch mean and biased variance and normalises; the backward gives dx, dscale and
// doffset from x, mean and variance. Each is a reduction and then one element-wise pass, where the tfjs ops they
// replace take ~10 kernels (each a full pass over the data) per direction. Plain loops: on the shapes of the
// benchmarks (bench/simclr.ts) they were as fast as oneDNN's batch_normalization primitives on one thread, need no
// primitive creation or cache, and their results do not depend on the thread count.
//
// Reductions split the rows into chunks fixed by the shape alone, reduce each chunk (chunks in parallel), then combine
// the chunks in order, in double precision. A chunk stays in cache, so the forward takes each chunk's mean and then its
// centred sums while reading x from memory once, and combines the chunks with Chan et al.'s pairwise update: no sum of
// squares minus a squared sum to cancel, so data far from 0 keeps its variance.
#include <node_api.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "addon.h"

namespace selfsup_native {
namespace {

struct Shape {
  int64_t outer, channels;
};

Shape shapeOf(napi_env env, napi_value value) {
  const auto p = intArray(env, value, 2, "params");
  if (p[0] < 1 || p[1] < 1) throw JsError{"batch norm: params must be [outer >= 1, channels >= 1]"};
  return {p[0], p[1]};
}

// Rows per chunk: about 16K floats (64 KB, within L2) whatever the channel count.
int64_t chunkRows(int64_t channels) { return std::max<int64_t>(1, (int64_t{1} << 14) / channels); }

// One chunk of rows of x [rows, c], per channel: a first mean `mid`, then the sums of d = x - mid and of d * d
// (the corrected two-pass algorithm: mid's rounding error is taken back out when the chunks are combined).
void chunkMoments(const float* x, int64_t rows, int64_t c, float* mid, float* sumD, float* sumD2) {
  for (int64_t j = 0; j < c; j++) mid[j] = sumD[j] = sumD2[j] = 0.f;
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) mid[j] += row[j];
  }
  const float n = static_cast<float>(rows);
  for (int64_t j = 0; j < c; j++) mid[j] /= n;
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) {
      const float d = row[j] - mid[j];
      sumD[j] += d;
      sumD2[j] += d * d;
    }
  }
}

// One chunk of rows: sum dy and sum dy * (x - mean) per channel.
void chunkGradSums(const float* dy, const float* x, const float* mean, int64_t rows, int64_t c, float* sumDy, float* sumDyX) {
  for (int64_t j = 0; j < c; j++) sumDy[j] = sumDyX[j] = 0.f;
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * c;
    const float* row = x + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) {
      sumDy[j] += g[j];
      sumDyX[j] += g[j] * (row[j] - mean[j]);
    }
  }
}

// y = (x - mean) * mul + add over rows [rows, c].
void normaliseRows(const float* x, const float* mean, const float* mul, const float* add, float* y, int64_t rows, int64_t c) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
    float* out = y + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) out[j] = (row[j] - mean[j]) * mul[j] + add[j];
  }
}

// dx = dy * mulDy + (x - mean) * mulX + add over rows [rows, c].
void gradRows(const float* dy, const float* x, const float* mean, const float* mulDy, const float* mulX, const float* add, float* dx,
              int64_t rows, int64_t c) {
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * c;
    const float* row = x + r * c;
    float* out = dx + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) out[j] = g[j] * mulDy[j] + (row[j] - mean[j]) * mulX[j] + add[j];
  }
}

// Runs body(chunk, firstRow, rows) over the chunks of s, in parallel when they are large.
template <typename Body>
void forChunks(Shape s, Body body) {
  const int64_t rows = chunkRows(s.channels), chunks = (s.outer + rows - 1) / rows;
#pragma omp parallel for schedule(static) if (s.outer * s.channels >= kParallelMin)
  for (int64_t k = 0; k < chunks; k++) body(k, k * rows, std::min(rows, s.outer - k * rows));
}

}  // namespace

// batchNormTraining(x, scale, offset, y, mean, variance, [outer, channels], epsilon): mean and biased variance of x
// per channel, y = (x - mean) * scale / sqrt(variance + epsilon) + offset.
void batchNormTrainingCall(napi_env env, napi_value* args) {
  const Shape s = shapeOf(env, args[6]);
  const float epsilon = static_cast<float>(doubleArg(env, args[7], "epsilon"));
  F32 x = floatArray(env, args[0], "x"), scale = floatArray(env, args[1], "scale"), offset = floatArray(env, args[2], "offset"),
      y = floatArray(env, args[3], "y"), mean = floatArray(env, args[4], "mean"), variance = floatArray(env, args[5], "variance");
  const int64_t c = s.channels, rows = chunkRows(c);
  needs(x, s.outer * c, "x");
  needs(y, s.outer * c, "y");
  needs(scale, c, "scale");
  needs(offset, c, "offset");
  needs(mean, c, "mean");
  needs(variance, c, "variance");
  const int64_t chunks = (s.outer + rows - 1) / rows;
  std::vector<float> mid(chunks * c), sumD(chunks * c), sumD2(chunks * c);
  forChunks(s, [&](int64_t k, int64_t first, int64_t n) {
    chunkMoments(x.data + first * c, n, c, mid.data() + k * c, sumD.data() + k * c, sumD2.data() + k * c);
  });
  for (int64_t j = 0; j < c; j++) {
    double count = 0, m = 0, m2 = 0;
    for (int64_t k = 0; k < chunks; k++) {
      const int64_t at = k * c + j;
      const double nb = static_cast<double>(std::min(rows, s.outer - k * rows)), total = count + nb;
      // The chunk's mean and centred sum of squares, then Chan et al.'s pairwise update.
      const double meanB = mid[at] + sumD[at] / nb, m2B = std::max(0.0, sumD2[at] - static_cast<double>(sumD[at]) * sumD[at] / nb);
      const double delta = meanB - m;
      m += delta * nb / total;
      m2 += m2B + delta * delta * count * nb / total;
      count = total;
    }
    mean.data[j] = static_cast<float>(m);
    variance.data[j] = static_cast<float>(m2 / count);
  }
  // As tfjs's batchNorm kernels: scale / sqrt(variance + epsilon), applied to x - mean.
  std::vector<float> mul(c);
  for (int64_t j = 0; j < c; j++) mul[j] = scale.data[j] * (1.f / std::sqrt(variance.data[j] + epsilon));
  forChunks(s, [&](int64_t, int64_t first, int64_t n) {
    normaliseRows(x.data + first * c, mean.data, mul.data(), offset.data, y.data + first * c, n, c);
  });
}

// batchNormTrainingGrad(dy, x, scale, mean, variance, dx, dscale, doffset, [outer, channels], epsilon): with
// inv = 1 / sqrt(variance + epsilon) and xhat = (x - mean) * inv over n = outer rows: doffset = sum dy,
// dscale = sum dy * xhat, dx = scale * inv * (dy - doffset / n - xhat * dscale / n).
void batchNormTrainingGradCall(napi_env env, napi_value* args) {
  const Shape s = shapeOf(env, args[8]);
  const float epsilon = static_cast<float>(doubleArg(env, args[9], "epsilon"));
  F32 dy = floatArray(env, args[0], "dy"), x = floatArray(env, args[1], "x"), scale = floatArray(env, args[2], "scale"),
      mean = floatArray(env, args[3], "mean"), variance = floatArray(env, args[4], "variance"), dx = floatArray(env, args[5], "dx"),
      dscale = floatArray(env, args[6], "dscale"), doffset = floatArray(env, args[7], "doffset");
  const int64_t c = s.channels, rows = chunkRows(c);
  needs(dy, s.outer * c, "dy");
  needs(x, s.outer * c, "x");
  needs(dx, s.outer * c, "dx");
  needs(scale, c, "scale");
  needs(mean, c, "mean");
  needs(variance, c, "variance");
  needs(dscale, c, "dscale");
  needs(doffset, c, "doffset");
  const int64_t chunks = (s.outer + rows - 1) / rows;
  std::vector<float> partDy(chunks * c), partDyX(chunks * c);
  forChunks(s, [&](int64_t k, int64_t first, int64_t n) {
    chunkGradSums(dy.data + first * c, x.data + first * c, mean.data, n, c, partDy.data() + k * c, partDyX.data() + k * c);
  });
  std::vector<float> mulDy(c), mulX(c), add(c);
  const double n = static_cast<double>(s.outer);
  for (int64_t j = 0; j < c; j++) {
    double sumDy = 0, sumDyX = 0;
    for (int64_t k = 0; k < chunks; k++) {
      sumDy += partDy[k * c + j];
      sumDyX += partDyX[k * c + j];
    }
    const double inv = 1.0 / std::sqrt(static_cast<double>(variance.data[j]) + epsilon);
    const double gain = scale.data[j] * inv, dScale = sumDyX * inv;
    doffset.data[j] = static_cast<float>(sumDy);
    dscale.data[j] = static_cast<float>(dScale);
    // dx = gain * dy - gain * inv * dscale / n * (x - mean) - gain * doffset / n
    mulDy[j] = static_cast<float>(gain);
    mulX[j] = static_cast<float>(-gain * inv * dScale / n);
    add[j] = static_cast<float>(-gain * sumDy / n);
  }
  forChunks(s, [&](int64_t, int64_t first, int64_t n) {
    gradRows(dy.data + first * c, x.data + first * c, mean.data, mulDy.data(), mulX.data(), add.data(), dx.data + first * c, n, c);
  });
}

}  // namespace selfsup_native
