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
//
// The ReLU variants (batchNormReluTraining*) write relu(y) in the forward's element-wise pass and, in the backward,
// take the gradient through the ReLU (dy where the forward's output y > 0, else 0) inside both passes: conv -> BN ->
// ReLU trains without the three full-size kernels of tfjs' ReLU gradient (Step, Cast, Multiply) or ReLU's own.
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

// The gradient that reaches the batch norm's output: dy, or with a ReLU after it, dy where its output y > 0, else 0 (a
// select, as PyTorch's; tfjs multiplies by the step, which differs only for a non-finite dy where the ReLU is off). dy
// is loaded unconditionally: GCC vectorises the select then, not a branch or a product with the compare.
template <bool kRelu>
inline float upstream(const float* dy, const float* y, int64_t i) {
  const float g = dy[i];
  if constexpr (kRelu) return y[i] > 0.f ? g : 0.f;
  return g;
}

// One chunk of rows: sum g and sum g * (x - mean) per channel, g the upstream gradient. y is read only with kRelu.
template <bool kRelu>
void chunkGradSums(const float* dy, const float* y, const float* x, const float* mean, int64_t rows, int64_t c, float* sumDy, float* sumDyX) {
  for (int64_t j = 0; j < c; j++) sumDy[j] = sumDyX[j] = 0.f;
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * c;
    const float* out = kRelu ? y + r * c : nullptr;
    const float* row = x + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) {
      const float u = upstream<kRelu>(g, out, j);
      sumDy[j] += u;
      sumDyX[j] += u * (row[j] - mean[j]);
    }
  }
}

// y = (x - mean) * mul + add over rows [rows, c], then max(y, 0) with kRelu (NaN stays NaN, as tfjs' relu).
template <bool kRelu>
void normaliseRows(const float* x, const float* mean, const float* mul, const float* add, float* y, int64_t rows, int64_t c) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * c;
    float* out = y + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) {
      const float v = (row[j] - mean[j]) * mul[j] + add[j];
      out[j] = kRelu ? (v < 0.f ? 0.f : v) : v;
    }
  }
}

// dx = g * mulDy + (x - mean) * mulX + add over rows [rows, c], g the upstream gradient.
template <bool kRelu>
void gradRows(const float* dy, const float* y, const float* x, const float* mean, const float* mulDy, const float* mulX, const float* add,
              float* dx, int64_t rows, int64_t c) {
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * c;
    const float* out = kRelu ? y + r * c : nullptr;
    const float* row = x + r * c;
    float* result = dx + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; j++) result[j] = upstream<kRelu>(g, out, j) * mulDy[j] + (row[j] - mean[j]) * mulX[j] + add[j];
  }
}

// Runs body(chunk, firstRow, rows) over the chunks of s, in parallel when they are large.
template <typename Body>
void forChunks(Shape s, Body body) {
  const int64_t rows = chunkRows(s.channels), chunks = (s.outer + rows - 1) / rows;
#pragma omp parallel for schedule(static) if (s.outer * s.channels >= kParallelMin)
  for (int64_t k = 0; k < chunks; k++) body(k, k * rows, std::min(rows, s.outer - k * rows));
}

// Mean and biased variance of x per channel, then y = (x - mean) * scale / sqrt(variance + epsilon) + offset, and
// relu(y) with kRelu. args: x, scale, offset, y, mean, variance, [outer, channels], epsilon.
template <bool kRelu>
void forward(napi_env env, napi_value* args) {
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
    normaliseRows<kRelu>(x.data + first * c, mean.data, mul.data(), offset.data, y.data + first * c, n, c);
  });
}

// The backward's arrays; y (the forward's output) only for the ReLU variant.
struct GradArrays {
  F32 dy, y, x, scale, mean, variance, dx, dscale, doffset;
};

// With inv = 1 / sqrt(variance + epsilon), xhat = (x - mean) * inv over n = outer rows and g the upstream gradient (dy,
// or dy where y > 0 with kRelu): doffset = sum g, dscale = sum g * xhat, dx = scale * inv * (g - doffset / n - xhat *
// dscale / n).
template <bool kRelu>
void backward(Shape s, float epsilon, const GradArrays& a) {
  const int64_t c = s.channels, rows = chunkRows(c);
  needs(a.dy, s.outer * c, "dy");
  if (kRelu) needs(a.y, s.outer * c, "y");
  needs(a.x, s.outer * c, "x");
  needs(a.dx, s.outer * c, "dx");
  needs(a.scale, c, "scale");
  needs(a.mean, c, "mean");
  needs(a.variance, c, "variance");
  needs(a.dscale, c, "dscale");
  needs(a.doffset, c, "doffset");
  const float* y = a.y.data;
  const int64_t chunks = (s.outer + rows - 1) / rows;
  std::vector<float> partDy(chunks * c), partDyX(chunks * c);
  forChunks(s, [&](int64_t k, int64_t first, int64_t n) {
    chunkGradSums<kRelu>(a.dy.data + first * c, kRelu ? y + first * c : nullptr, a.x.data + first * c, a.mean.data, n, c,
                         partDy.data() + k * c, partDyX.data() + k * c);
  });
  std::vector<float> mulDy(c), mulX(c), add(c);
  const double n = static_cast<double>(s.outer);
  for (int64_t j = 0; j < c; j++) {
    double sumDy = 0, sumDyX = 0;
    for (int64_t k = 0; k < chunks; k++) {
      sumDy += partDy[k * c + j];
      sumDyX += partDyX[k * c + j];
    }
    const double inv = 1.0 / std::sqrt(static_cast<double>(a.variance.data[j]) + epsilon);
    const double gain = a.scale.data[j] * inv, dScale = sumDyX * inv;
    a.doffset.data[j] = static_cast<float>(sumDy);
    a.dscale.data[j] = static_cast<float>(dScale);
    // dx = gain * g - gain * inv * dscale / n * (x - mean) - gain * doffset / n
    mulDy[j] = static_cast<float>(gain);
    mulX[j] = static_cast<float>(-gain * inv * dScale / n);
    add[j] = static_cast<float>(-gain * sumDy / n);
  }
  forChunks(s, [&](int64_t, int64_t first, int64_t n) {
    gradRows<kRelu>(a.dy.data + first * c, kRelu ? y + first * c : nullptr, a.x.data + first * c, a.mean.data, mulDy.data(), mulX.data(),
                    add.data(), a.dx.data + first * c, n, c);
  });
}

}  // namespace

// batchNormTraining(x, scale, offset, y, mean, variance, [outer, channels], epsilon): mean and biased variance of x
// per channel, y = (x - mean) * scale / sqrt(variance + epsilon) + offset.
void batchNormTrainingCall(napi_env env, napi_value* args) { forward<false>(env, args); }

// batchNormReluTraining(same arguments): the same statistics, y = relu((x - mean) * scale / sqrt(variance + epsilon) + offset).
void batchNormReluTrainingCall(napi_env env, napi_value* args) { forward<true>(env, args); }

// batchNormTrainingGrad(dy, x, scale, mean, variance, dx, dscale, doffset, [outer, channels], epsilon).
void batchNormTrainingGradCall(napi_env env, napi_value* args) {
  const GradArrays a{floatArray(env, args[0], "dy"),     {},
                     floatArray(env, args[1], "x"),      floatArray(env, args[2], "scale"),
                     floatArray(env, args[3], "mean"),   floatArray(env, args[4], "variance"),
                     floatArray(env, args[5], "dx"),     floatArray(env, args[6], "dscale"),
                     floatArray(env, args[7], "doffset")};
  backward<false>(shapeOf(env, args[8]), static_cast<float>(doubleArg(env, args[9], "epsilon")), a);
}

// batchNormReluTrainingGrad(dy, y, x, scale, mean, variance, dx, dscale, doffset, [outer, channels], epsilon): y is the
// forward's (ReLU) output; dy is the gradient of that output.
void batchNormReluTrainingGradCall(napi_env env, napi_value* args) {
  const GradArrays a{floatArray(env, args[0], "dy"),       floatArray(env, args[1], "y"),
                     floatArray(env, args[2], "x"),        floatArray(env, args[3], "scale"),
                     floatArray(env, args[4], "mean"),     floatArray(env, args[5], "variance"),
                     floatArray(env, args[6], "dx"),       floatArray(env, args[7], "dscale"),
                     floatArray(env, args[8], "doffset")};
  backward<true>(shapeOf(env, args[9]), static_cast<float>(doubleArg(env, args[10], "epsilon")), a);
}

}  // namespace selfsup_native
