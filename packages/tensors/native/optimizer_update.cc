// Whole optimizer updates and the finiteness check of a training step, one pass each. As tfjs ops, Adam's update of
// one parameter is thirteen full-size kernels (each a kernel call, a tensor and a pass over memory) and the check is
// two per tensor; for a small conv net they cost about a fifth of a step. The arithmetic is the ops' own, float32 and
// in the same order, so both paths give the same numbers (no FMA: the build does not enable it).
#include <node_api.h>

#include <omp.h>

#include <cstdint>
#include <cmath>

#include "addon.h"

namespace selfsup_native {

// adamUpdate(p, g, m, v, pOut, mOut, vOut, [count], hyper): hyper (float32) = [beta1, 1 - beta1, beta2, 1 - beta2,
// lr * c1, c2, epsilon, l2, lr * decoupled], c1 and c2 the bias corrections 1 / (1 - beta^t):
//   g' = g + l2 * p (when l2 > 0); m' = beta1 m + (1 - beta1) g'; v' = beta2 v + (1 - beta2) g'^2;
//   u = (lr c1 m') / (sqrt(c2 v') + epsilon), plus (lr decoupled) p when that is > 0; p' = p - u.
void adamUpdateCall(napi_env env, napi_value* args) {
  const int64_t count = intArray(env, args[7], 1, "params")[0];
  if (count < 0) throw JsError{"adam update: params must be [count >= 0]"};
  const char* names[] = {"p", "g", "m", "v", "pOut", "mOut", "vOut"};
  F32 a[7];
  for (int i = 0; i < 7; i++) {
    a[i] = floatArray(env, args[i], names[i]);
    needs(a[i], count, names[i]);
  }
  const F32 hyper = floatArray(env, args[8], "hyper");
  needs(hyper, 9, "hyper");
  const float* h = hyper.data;
  const float beta1 = h[0], oneMinusBeta1 = h[1], beta2 = h[2], oneMinusBeta2 = h[3], step = h[4], c2 = h[5], epsilon = h[6];
  const float l2 = h[7], decoupled = h[8];
  const float *p = a[0].data, *g = a[1].data, *m = a[2].data, *v = a[3].data;
  float *pOut = a[4].data, *mOut = a[5].data, *vOut = a[6].data;
  const bool withL2 = l2 > 0.f, withDecoupled = decoupled > 0.f;
#pragma omp parallel for simd schedule(static) if (count >= kElementwiseParallelMin)
  for (int64_t i = 0; i < count; i++) {
    const float pi = p[i];
    const float gi = withL2 ? g[i] + pi * l2 : g[i];
    const float mi = m[i] * beta1 + gi * oneMinusBeta1;
    const float vi = v[i] * beta2 + (gi * gi) * oneMinusBeta2;
    float update = (mi * step) / (std::sqrt(vi * c2) + epsilon);
    if (withDecoupled) update = update + pi * decoupled;
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = pi - update;
  }
}

// allFinite([x0, x1, ...], out): out[0] = 1 when every value of every array is finite, else 0. 0 * x is 0 for a finite
// x and NaN otherwise, so the sum of those is NaN exactly when some value is not finite.
void allFiniteCall(napi_env env, napi_value* args) {
  bool isArray = false;
  check(env, napi_is_array(env, args[0], &isArray), "is_array");
  if (!isArray) throw JsError{"all finite: tensors must be an array of Float32Array"};
  uint32_t n;
  check(env, napi_get_array_length(env, args[0], &n), "array_length");
  F32 out = floatArray(env, args[1], "out");
  needs(out, 1, "out");
  float total = 0.f;
  for (uint32_t t = 0; t < n; t++) {
    napi_value item;
    check(env, napi_get_element(env, args[0], t, &item), "get_element");
    const F32 x = floatArray(env, item, "tensors[i]");
    const float* data = x.data;
    const int64_t count = static_cast<int64_t>(x.length);
    float sum = 0.f;
#pragma omp parallel for simd schedule(static) reduction(+ : sum) if (count >= kElementwiseParallelMin)
    for (int64_t i = 0; i < count; i++) sum += data[i] * 0.f;
    total += sum;
  }
  out.data[0] = std::isnan(total) ? 0.f : 1.f;
}

}  // namespace selfsup_native
