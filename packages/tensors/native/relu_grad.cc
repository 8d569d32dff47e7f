// The gradient of ReLU, dx = dy where x > 0, else 0, in one pass: tfjs' ReLU gradient is dy * cast(step(x)), three
// full-size kernels (Step, Cast, Multiply) on the wasm backend. For the ReLUs that do not follow a batch norm (those do
// theirs inside the batch-norm kernels, batch_norm_training.cc), e.g. ResNet's after each residual sum.
#include <node_api.h>

#include <omp.h>

#include <cstdint>

#include "addon.h"

namespace selfsup_native {

// reluGrad(dy, x, dx, [count]).
void reluGradCall(napi_env env, napi_value* args) {
  const int64_t count = intArray(env, args[3], 1, "params")[0];
  if (count < 0) throw JsError{"relu grad: params must be [count >= 0]"};
  const F32 dy = floatArray(env, args[0], "dy"), x = floatArray(env, args[1], "x"), dx = floatArray(env, args[2], "dx");
  needs(dy, count, "dy");
  needs(x, count, "x");
  needs(dx, count, "dx");
  const float* g = dy.data;
  const float* in = x.data;
  float* out = dx.data;
  // A select on unconditional loads (as PyTorch's threshold_backward): GCC vectorises it.
#pragma omp parallel for simd schedule(static) if (count >= kElementwiseParallelMin)
  for (int64_t i = 0; i < count; i++) {
    const float d = g[i];
    out[i] = in[i] > 0.f ? d : 0.f;
  }
}

}  // namespace selfsup_native
