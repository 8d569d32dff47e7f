// selfsup's optional native kernels: an N-API addon over oneDNN (libdnnl, the library PyTorch's CPU convolutions use).
// Every function reads and writes Float32Arrays that the caller passes (views on tfjs-wasm's heap), so tensors stay
// where the wasm backend keeps them: no copies. Primitives are created once per problem shape and cached, because
// creating a oneDNN primitive (JIT code generation) costs far more than running a small one.
// Build: node packages/tensors/native/build.mjs (needs g++ and libdnnl-dev; see packages/tensors/README.md).
#include <node_api.h>

#include <dnnl.hpp>
#include <omp.h>

#include "addon.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

using dnnl::algorithm;
using dnnl::engine;
using dnnl::memory;
using dnnl::primitive_attr;
using dnnl::prop_kind;
using dnnl::stream;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace selfsup_native {

engine& cpu() {
  static engine e(engine::kind::cpu, 0);
  return e;
}

stream& queue() {
  static stream s(cpu());
  return s;
}

}  // namespace selfsup_native

namespace {

using namespace selfsup_native;

std::string keyOf(const char* kind, const std::vector<int64_t>& p, int extra) {
  std::string key(kind);
  for (int64_t v : p) key += "," + std::to_string(v);
  key += "|" + std::to_string(extra);
  return key;
}

// ---- convolution --------------------------------------------------------------------------------------------------
// p = [N, H, W, C, KH, KW, O, OH, OW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight]
// x: NHWC, filter: HWIO (tfjs layouts), y: NHWC; tfjs dilation 1 = oneDNN dilation 0.
struct ConvShape {
  memory::desc src, weights, dst, bias;
  memory::dims strides, dilates, padL, padR;
  int64_t srcSize, weightsSize, dstSize, outChannels;
};

ConvShape convShape(const std::vector<int64_t>& p, tag weightsTag) {
  const int64_t n = p[0], h = p[1], w = p[2], c = p[3], kh = p[4], kw = p[5], o = p[6], oh = p[7], ow = p[8];
  ConvShape s;
  s.src = memory::desc({n, c, h, w}, dt::f32, tag::nhwc);
  s.weights = memory::desc({o, c, kh, kw}, dt::f32, weightsTag);
  s.dst = memory::desc({n, o, oh, ow}, dt::f32, tag::nhwc);
  s.bias = memory::desc({o}, dt::f32, tag::a);
  s.strides = {p[9], p[10]};
  s.dilates = {p[11] - 1, p[12] - 1};
  s.padL = {p[13], p[14]};
  s.padR = {p[15], p[16]};
  s.srcSize = n * h * w * c;
  s.weightsSize = kh * kw * c * o;
  s.dstSize = n * oh * ow * o;
  s.outChannels = o;
  return s;
}

memory::desc anyLike(const memory::desc& md, int rank) {
  memory::dims dims = md.dims();
  (void)rank;
  return memory::desc(dims, dt::f32, tag::any);
}

dnnl::convolution_forward::desc forwardDesc(const ConvShape& s, bool withBias) {
  return withBias ? dnnl::convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, s.src,
                                                    anyLike(s.weights, 4), s.bias, s.dst, s.strides, s.dilates, s.padL, s.padR)
                  : dnnl::convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, s.src,
                                                    anyLike(s.weights, 4), s.dst, s.strides, s.dilates, s.padL, s.padR);
}

dnnl::convolution_forward::primitive_desc forwardHint(const ConvShape& s, bool withBias) {
  return dnnl::convolution_forward::primitive_desc(forwardDesc(s, withBias), cpu());
}

// Attributes with an optional fused ReLU after the primitive.
primitive_attr reluAttr(bool relu) {
  primitive_attr attr;
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return attr;
}

// The plan cached under key, built (and cached) on first use.
template <typename Plan, typename Build>
Plan& cachedPlan(std::unordered_map<std::string, std::unique_ptr<Plan>>& cache, const std::string& key, Build build) {
  auto found = cache.find(key);
  if (found != cache.end()) return *found->second;
  std::unique_ptr<Plan> plan = build();
  return *cache.emplace(key, std::move(plan)).first->second;
}

// A primitive plus the reorder between the user's HWIO filter and the layout the primitive chose.
struct ConvPlan {
  ConvShape shape;
  dnnl::primitive main;
  bool reorderWeights = false;
  memory::desc innerWeights;
  std::unique_ptr<memory> weightsBuffer;
  dnnl::primitive weightsReorder;
};

std::unordered_map<std::string, std::unique_ptr<ConvPlan>>& plans() {
  static std::unordered_map<std::string, std::unique_ptr<ConvPlan>> cache;
  return cache;
}

void preparePlanWeights(ConvPlan& plan, const memory::desc& chosen, bool toUser) {
  plan.innerWeights = chosen;
  plan.reorderWeights = chosen != plan.shape.weights;
  if (!plan.reorderWeights) return;
  plan.weightsBuffer = std::make_unique<memory>(chosen, cpu());
  const memory::desc& user = plan.shape.weights;
  plan.weightsReorder = toUser ? dnnl::reorder(dnnl::reorder::primitive_desc(cpu(), chosen, cpu(), user))
                               : dnnl::reorder(dnnl::reorder::primitive_desc(cpu(), user, cpu(), chosen));
}

ConvPlan& forwardPlan(const std::vector<int64_t>& p, bool withBias, bool relu) {
  return cachedPlan(plans(), keyOf("fwd", p, (withBias ? 1 : 0) + (relu ? 2 : 0)), [&] {
    auto plan = std::make_unique<ConvPlan>();
    plan->shape = convShape(p, tag::hwio);
    const ConvShape& s = plan->shape;
    dnnl::convolution_forward::primitive_desc pd(forwardDesc(s, withBias), reluAttr(relu), cpu());
    if (pd.src_desc() != s.src || pd.dst_desc() != s.dst) throw JsError{"oneDNN chose a non-NHWC layout for a convolution"};
    plan->main = dnnl::convolution_forward(pd);
    preparePlanWeights(*plan, pd.weights_desc(), false);
    return plan;
  });
}

// A convolution gradient plan, hinted by the forward primitive: Backward is convolution_backward_data (dx from dy and
// the filter) or convolution_backward_weights (dw from x and dy, reordered back to the user's HWIO filter).
template <typename Backward>
ConvPlan& backwardPlan(const char* kind, const std::vector<int64_t>& p) {
  constexpr bool data = std::is_same_v<Backward, dnnl::convolution_backward_data>;
  return cachedPlan(plans(), keyOf(kind, p, 0), [&] {
    auto plan = std::make_unique<ConvPlan>();
    plan->shape = convShape(p, tag::hwio);
    const ConvShape& s = plan->shape;
    typename Backward::desc d(algorithm::convolution_direct, s.src, anyLike(s.weights, 4), s.dst, s.strides, s.dilates, s.padL, s.padR);
    typename Backward::primitive_desc pd(d, cpu(), forwardHint(s, false));
    memory::desc src, weights;
    if constexpr (data) {
      src = pd.diff_src_desc();
      weights = pd.weights_desc();
    } else {
      src = pd.src_desc();
      weights = pd.diff_weights_desc();
    }
    if (src != s.src || pd.diff_dst_desc() != s.dst) throw JsError{"oneDNN chose a non-NHWC layout for a convolution gradient"};
    plan->main = Backward(pd);
    preparePlanWeights(*plan, weights, !data);
    return plan;
  });
}

ConvPlan& backwardDataPlan(const std::vector<int64_t>& p) { return backwardPlan<dnnl::convolution_backward_data>("bwd_data", p); }

ConvPlan& backwardWeightsPlan(const std::vector<int64_t>& p) {
  return backwardPlan<dnnl::convolution_backward_weights>("bwd_weights", p);
}

// The filter memory a forward or backward-data primitive reads: the user's HWIO filter, or its copy reordered into the
// layout the primitive chose.
memory readWeights(ConvPlan& plan, const memory& user) {
  if (!plan.reorderWeights) return user;
  plan.weightsReorder.execute(queue(), {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, *plan.weightsBuffer}});
  return *plan.weightsBuffer;
}

// conv2d(x, filter, bias | null, y, params, relu)
void conv2d(napi_env env, napi_value* args) {
  const auto p = intArray(env, args[4], 17, "params");
  F32 x = floatArray(env, args[0], "x"), w = floatArray(env, args[1], "filter"), bias = floatArray(env, args[2], "bias", true),
      y = floatArray(env, args[3], "y");
  const bool relu = boolArg(env, args[5]);
  ConvPlan& plan = forwardPlan(p, bias.data != nullptr, relu);
  const ConvShape& s = plan.shape;
  needs(x, s.srcSize, "x");
  needs(w, s.weightsSize, "filter");
  needs(y, s.dstSize, "y");
  if (bias.data != nullptr) needs(bias, s.outChannels, "bias");
  memory src(s.src, cpu(), x.data), dst(s.dst, cpu(), y.data), user(s.weights, cpu(), w.data);
  std::unordered_map<int, memory> io{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, readWeights(plan, user)}, {DNNL_ARG_DST, dst}};
  if (bias.data != nullptr) io.emplace(DNNL_ARG_BIAS, memory(s.bias, cpu(), bias.data));
  plan.main.execute(queue(), io);
  queue().wait();
}

// conv2dBackwardData(dy, filter, dx, params)
void conv2dBackwardData(napi_env env, napi_value* args) {
  const auto p = intArray(env, args[3], 17, "params");
  F32 dy = floatArray(env, args[0], "dy"), w = floatArray(env, args[1], "filter"), dx = floatArray(env, args[2], "dx");
  ConvPlan& plan = backwardDataPlan(p);
  const ConvShape& s = plan.shape;
  needs(dy, s.dstSize, "dy");
  needs(w, s.weightsSize, "filter");
  needs(dx, s.srcSize, "dx");
  memory diffDst(s.dst, cpu(), dy.data), diffSrc(s.src, cpu(), dx.data), user(s.weights, cpu(), w.data);
  plan.main.execute(queue(), {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, readWeights(plan, user)}, {DNNL_ARG_DIFF_SRC, diffSrc}});
  queue().wait();
}

// conv2dBackwardFilter(x, dy, dw, params)
void conv2dBackwardFilter(napi_env env, napi_value* args) {
  const auto p = intArray(env, args[3], 17, "params");
  F32 x = floatArray(env, args[0], "x"), dy = floatArray(env, args[1], "dy"), dw = floatArray(env, args[2], "dw");
  ConvPlan& plan = backwardWeightsPlan(p);
  const ConvShape& s = plan.shape;
  needs(x, s.srcSize, "x");
  needs(dy, s.dstSize, "dy");
  needs(dw, s.weightsSize, "dw");
  memory src(s.src, cpu(), x.data), diffDst(s.dst, cpu(), dy.data), user(s.weights, cpu(), dw.data);
  plan.main.execute(queue(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, plan.reorderWeights ? *plan.weightsBuffer : user}});
  if (plan.reorderWeights) plan.weightsReorder.execute(queue(), {{DNNL_ARG_FROM, *plan.weightsBuffer}, {DNNL_ARG_TO, user}});
  queue().wait();
}

// ---- matmul -------------------------------------------------------------------------------------------------------
// p = [batchA, batchB, M, K, N, transposeA, transposeB]; a is [batchA, M, K] ([batchA, K, M] transposed), b is
// [batchB, K, N] ([batchB, N, K] transposed), c is [max(batchA, batchB), M, N]; a batch of 1 broadcasts.
struct MatmulPlan {
  memory::desc a, b, c, bias;
  dnnl::matmul main;
  int64_t aSize, bSize, cSize, n;
};

std::unordered_map<std::string, std::unique_ptr<MatmulPlan>>& matmulPlans() {
  static std::unordered_map<std::string, std::unique_ptr<MatmulPlan>> cache;
  return cache;
}

MatmulPlan& matmulPlan(const std::vector<int64_t>& p, bool withBias, bool relu) {
  return cachedPlan(matmulPlans(), keyOf("matmul", p, (withBias ? 1 : 0) + (relu ? 2 : 0)), [&] {
    const int64_t ba = p[0], bb = p[1], m = p[2], k = p[3], n = p[4];
    const bool ta = p[5] != 0, tb = p[6] != 0;
    if (ba != bb && ba != 1 && bb != 1) throw JsError{"matmul batches must match or be 1"};
    const int64_t batch = ba > bb ? ba : bb;
    auto plan = std::make_unique<MatmulPlan>();
    plan->a = memory::desc({ba, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    plan->b = memory::desc({bb, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    plan->c = memory::desc({batch, m, n}, dt::f32, tag::abc);
    plan->bias = memory::desc({1, 1, n}, dt::f32, tag::abc);
    auto d = withBias ? dnnl::matmul::desc(plan->a, plan->b, plan->bias, plan->c) : dnnl::matmul::desc(plan->a, plan->b, plan->c);
    plan->main = dnnl::matmul(dnnl::matmul::primitive_desc(d, reluAttr(relu), cpu()));
    plan->aSize = ba * m * k;
    plan->bSize = bb * k * n;
    plan->cSize = batch * m * n;
    plan->n = n;
    return plan;
  });
}

// matmul(a, b, bias | null, c, params, relu)
void matmulCall(napi_env env, napi_value* args) {
  const auto p = intArray(env, args[4], 7, "params");
  F32 a = floatArray(env, args[0], "a"), b = floatArray(env, args[1], "b"), bias = floatArray(env, args[2], "bias", true),
      c = floatArray(env, args[3], "c");
  const bool relu = boolArg(env, args[5]);
  MatmulPlan& plan = matmulPlan(p, bias.data != nullptr, relu);
  needs(a, plan.aSize, "a");
  needs(b, plan.bSize, "b");
  needs(c, plan.cSize, "c");
  if (bias.data != nullptr) needs(bias, plan.n, "bias");
  std::unordered_map<int, memory> io{{DNNL_ARG_SRC, memory(plan.a, cpu(), a.data)},
                                     {DNNL_ARG_WEIGHTS, memory(plan.b, cpu(), b.data)},
                                     {DNNL_ARG_DST, memory(plan.c, cpu(), c.data)}};
  if (bias.data != nullptr) io.emplace(DNNL_ARG_BIAS, memory(plan.bias, cpu(), bias.data));
  plan.main.execute(queue(), io);
  queue().wait();
}


// ---- reductions and element-wise ops (memory-bound work the wasm backend does on one thread without AVX) --------
// Each output element is computed by one thread in a fixed order, so results do not depend on the thread count.

// reduce(x, y, [outer, reduced, inner], scale): y[o, i] = scale * sum_r x[o, r, i] (scale 1 / reduced gives a mean).
void reduceCall(napi_env env, napi_value* args) {
  const auto p = intArray(env, args[2], 3, "params");
  F32 x = floatArray(env, args[0], "x"), y = floatArray(env, args[1], "y");
  double scaleArg;
  check(env, napi_get_value_double(env, args[3], &scaleArg), "scale");
  const int64_t outer = p[0], reduced = p[1], inner = p[2];
  if (outer < 0 || reduced < 1 || inner < 0) throw JsError{"reduce: bad shape"};
  needs(x, outer * reduced * inner, "x");
  needs(y, outer * inner, "y");
  const float scale = static_cast<float>(scaleArg);
  const float* src = x.data;
  float* dst = y.data;
  constexpr int64_t kBlock = 64;  // channels per task: a few cache lines, vectorised
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  const bool big = outer * reduced * inner >= kElementwiseParallelMin;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (big)
    for (int64_t o = 0; o < outer; o++) {
      const float* row = src + o * reduced;
      float acc = 0.f;
      for (int64_t r = 0; r < reduced; r++) acc += row[r];
      dst[o] = acc * scale;
    }
    return;
  }
#pragma omp parallel for schedule(static) if (big)
  for (int64_t task = 0; task < outer * blocks; task++) {
    const int64_t o = task / blocks, b = task % blocks;
    const int64_t begin = b * kBlock, end = begin + kBlock < inner ? begin + kBlock : inner;
    float acc[kBlock];
    for (int64_t i = 0; i < kBlock; i++) acc[i] = 0.f;
    const float* base = src + o * reduced * inner;
    const int64_t width = end - begin;
    for (int64_t r = 0; r < reduced; r++) {
      const float* row = base + r * inner + begin;
#pragma omp simd
      for (int64_t i = 0; i < width; i++) acc[i] += row[i];
    }
    for (int64_t i = 0; i < width; i++) dst[o * inner + begin + i] = acc[i] * scale;
  }
}

// binary(op, a, b, out, [outer, inner, aMode, bMode]): out[o, i] = a[.] op b[.], where mode 0 = full [outer, inner],
// 1 = broadcast along outer ([inner]), 2 = scalar. ops: 0 add, 1 sub, 2 mul, 3 div, 4 squared difference.
template <int op>
inline float apply(float a, float b) {
  if constexpr (op == 0) return a + b;
  if constexpr (op == 1) return a - b;
  if constexpr (op == 2) return a * b;
  if constexpr (op == 3) return a / b;
  return (a - b) * (a - b);
}

template <int op>
void binaryLoop(const float* a, const float* b, float* out, int64_t outer, int64_t inner, int64_t aMode, int64_t bMode) {
  const int64_t total = outer * inner;
  const bool big = total >= kElementwiseParallelMin;
  // Without per-row broadcasting the rows are one flat array: one vector loop, not one per row (rows of 1 element,
  // [N, H, W, 1] images, would cost a loop each).
  if (aMode != 1 && bMode != 1) {
    if (aMode == 2 && bMode == 2) {
      for (int64_t i = 0; i < total; i++) out[i] = apply<op>(a[0], b[0]);
    } else if (aMode == 2) {
      const float av = a[0];
#pragma omp parallel for simd schedule(static) if (big)
      for (int64_t i = 0; i < total; i++) out[i] = apply<op>(av, b[i]);
    } else if (bMode == 2) {
      const float bv = b[0];
#pragma omp parallel for simd schedule(static) if (big)
      for (int64_t i = 0; i < total; i++) out[i] = apply<op>(a[i], bv);
    } else {
#pragma omp parallel for simd schedule(static) if (big)
      for (int64_t i = 0; i < total; i++) out[i] = apply<op>(a[i], b[i]);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (big)
  for (int64_t o = 0; o < outer; o++) {
    const float* ar = aMode == 0 ? a + o * inner : a;
    const float* br = bMode == 0 ? b + o * inner : b;
    float* orow = out + o * inner;
    if (aMode == 2 && bMode == 2) {
      for (int64_t i = 0; i < inner; i++) orow[i] = apply<op>(a[0], b[0]);
    } else if (aMode == 2) {
      const float av = a[0];
#pragma omp simd
      for (int64_t i = 0; i < inner; i++) orow[i] = apply<op>(av, br[i]);
    } else if (bMode == 2) {
      const float bv = b[0];
#pragma omp simd
      for (int64_t i = 0; i < inner; i++) orow[i] = apply<op>(ar[i], bv);
    } else {
#pragma omp simd
      for (int64_t i = 0; i < inner; i++) orow[i] = apply<op>(ar[i], br[i]);
    }
  }
}

void binaryCall(napi_env env, napi_value* args) {
  int32_t op;
  check(env, napi_get_value_int32(env, args[0], &op), "op");
  F32 a = floatArray(env, args[1], "a"), b = floatArray(env, args[2], "b"), out = floatArray(env, args[3], "out");
  const auto p = intArray(env, args[4], 4, "params");
  const int64_t outer = p[0], inner = p[1], aMode = p[2], bMode = p[3];
  if (outer < 0 || inner < 0 || aMode < 0 || aMode > 2 || bMode < 0 || bMode > 2) throw JsError{"binary: bad params"};
  auto size = [&](int64_t mode) { return mode == 0 ? outer * inner : mode == 1 ? inner : 1; };
  needs(a, size(aMode), "a");
  needs(b, size(bMode), "b");
  needs(out, outer * inner, "out");
  switch (op) {
    case 0: binaryLoop<0>(a.data, b.data, out.data, outer, inner, aMode, bMode); break;
    case 1: binaryLoop<1>(a.data, b.data, out.data, outer, inner, aMode, bMode); break;
    case 2: binaryLoop<2>(a.data, b.data, out.data, outer, inner, aMode, bMode); break;
    case 3: binaryLoop<3>(a.data, b.data, out.data, outer, inner, aMode, bMode); break;
    case 4: binaryLoop<4>(a.data, b.data, out.data, outer, inner, aMode, bMode); break;
    default: throw JsError{"binary: unknown op"};
  }
}

// batchNorm(x, mean, variance, offset | null, scale | null, y, [outer, channels], epsilon):
// y = (x - mean) / sqrt(variance + epsilon) * scale + offset, per channel (the last axis).
void batchNormCall(napi_env env, napi_value* args) {
  F32 x = floatArray(env, args[0], "x"), mean = floatArray(env, args[1], "mean"), variance = floatArray(env, args[2], "variance"),
      offset = floatArray(env, args[3], "offset", true), scale = floatArray(env, args[4], "scale", true), y = floatArray(env, args[5], "y");
  const auto p = intArray(env, args[6], 2, "params");
  double epsilon;
  check(env, napi_get_value_double(env, args[7], &epsilon), "epsilon");
  const int64_t outer = p[0], channels = p[1];
  needs(x, outer * channels, "x");
  needs(y, outer * channels, "y");
  needs(mean, channels, "mean");
  needs(variance, channels, "variance");
  if (offset.data != nullptr) needs(offset, channels, "offset");
  if (scale.data != nullptr) needs(scale, channels, "scale");
  std::vector<float> mul(channels), add(channels);
  for (int64_t c = 0; c < channels; c++) {
    // As tfjs's kernels: scale / sqrt(variance + epsilon), then x * that + (offset - mean * that).
    const float inv = 1.f / std::sqrt(variance.data[c] + static_cast<float>(epsilon));
    mul[c] = inv * (scale.data != nullptr ? scale.data[c] : 1.f);
    add[c] = (offset.data != nullptr ? offset.data[c] : 0.f);
  }
  const float* src = x.data;
  float* dst = y.data;
  const float* m = mean.data;
#pragma omp parallel for schedule(static) if (outer * channels >= kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    const float* row = src + o * channels;
    float* orow = dst + o * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) orow[c] = (row[c] - m[c]) * mul[c] + add[c];
  }
}

// ---- N-API glue ---------------------------------------------------------------------------------------------------
using Body = void (*)(napi_env, napi_value*);

template <Body body, size_t arity>
napi_value wrap(napi_env env, napi_callback_info info) {
  size_t argc = arity;
  napi_value args[arity];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  try {
    if (argc < arity) throw JsError{"expected " + std::to_string(arity) + " arguments"};
    body(env, args);
  } catch (const JsError& e) {
    napi_throw_error(env, "SELFSUP_NATIVE", e.message.c_str());
  } catch (const dnnl::error& e) {
    napi_throw_error(env, "SELFSUP_NATIVE", (std::string("oneDNN: ") + e.what()).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "SELFSUP_NATIVE", e.what());
  }
  return nullptr;
}

napi_value setThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  int32_t threads = 0;
  if (argc < 1 || napi_get_value_int32(env, arg, &threads) != napi_ok || threads < 1) {
    napi_throw_error(env, "SELFSUP_NATIVE", "threads must be an integer >= 1");
    return nullptr;
  }
  omp_set_num_threads(threads);
  return nullptr;
}

napi_value getThreads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, omp_get_max_threads(), &out);
  return out;
}

napi_value version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  const std::string text = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  napi_value out;
  napi_create_string_utf8(env, text.c_str(), text.size(), &out);
  return out;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, wrap<conv2d, 6>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackwardData", nullptr, wrap<conv2dBackwardData, 4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackwardFilter", nullptr, wrap<conv2dBackwardFilter, 4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, wrap<matmulCall, 6>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, wrap<reduceCall, 4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, wrap<binaryCall, 5>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, wrap<batchNormCall, 8>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTraining", nullptr, wrap<batchNormTrainingCall, 8>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrainingGrad", nullptr, wrap<batchNormTrainingGradCall, 10>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormReluTraining", nullptr, wrap<batchNormReluTrainingCall, 8>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormReluTrainingGrad", nullptr, wrap<batchNormReluTrainingGradCall, 11>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, wrap<reluGradCall, 4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, wrap<gatherCall, 4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cropAndResize", nullptr, wrap<cropAndResizeCall, 6>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mirrorPad", nullptr, wrap<mirrorPadCall, 6>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamUpdate", nullptr, wrap<adamUpdateCall, 9>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allFinite", nullptr, wrap<allFiniteCall, 2>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, setThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getThreads", nullptr, getThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
