// What the addon's source files share: N-API argument reading (every entry point takes Float32Array views on the
// wasm heap and plain arrays of integers), the error type the N-API glue turns into a JS exception, oneDNN's engine
// and stream, and the entry points defined outside selfsup_dnnl.cc. build.mjs compiles every *.cc in this folder.
#pragma once

#include <node_api.h>

#include <dnnl.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace selfsup_native {

struct JsError {
  std::string message;
};

inline void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw JsError{std::string("selfsup native: ") + what};
}

// A Float32Array argument: its data pointer (byte offset applied) and length; null/undefined -> nullptr.
struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

inline F32 floatArray(napi_env env, napi_value value, const char* name, bool optional = false) {
  napi_valuetype type;
  check(env, napi_typeof(env, value, &type), "typeof");
  if (optional && (type == napi_null || type == napi_undefined)) return {};
  bool isTyped = false;
  check(env, napi_is_typedarray(env, value, &isTyped), "is_typedarray");
  if (!isTyped) throw JsError{std::string(name) + " must be a Float32Array"};
  napi_typedarray_type arrayType;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  check(env, napi_get_typedarray_info(env, value, &arrayType, &length, &data, &buffer, &offset), "typedarray_info");
  if (arrayType != napi_float32_array) throw JsError{std::string(name) + " must be a Float32Array"};
  return {static_cast<float*>(data), length};
}

inline std::vector<int64_t> intArray(napi_env env, napi_value value, size_t expected, const char* name) {
  bool isArray = false;
  check(env, napi_is_array(env, value, &isArray), "is_array");
  if (!isArray) throw JsError{std::string(name) + " must be an array of integers"};
  uint32_t length;
  check(env, napi_get_array_length(env, value, &length), "array_length");
  if (length != expected) throw JsError{std::string(name) + " must have " + std::to_string(expected) + " entries"};
  std::vector<int64_t> out(length);
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    check(env, napi_get_element(env, value, i, &item), "get_element");
    int64_t v;
    check(env, napi_get_value_int64(env, item, &v), "int64");
    out[i] = v;
  }
  return out;
}

inline double doubleArg(napi_env env, napi_value value, const char* name) {
  double v;
  check(env, napi_get_value_double(env, value, &v), name);
  return v;
}

inline bool boolArg(napi_env env, napi_value value) {
  bool b = false;
  napi_valuetype type;
  check(env, napi_typeof(env, value, &type), "typeof");
  if (type == napi_boolean) check(env, napi_get_value_bool(env, value, &b), "bool");
  return b;
}

// An Int32Array argument holding at least `count` values (indices on the wasm heap).
inline const int32_t* int32Array(napi_env env, napi_value value, size_t count, const char* name) {
  bool isTyped = false;
  check(env, napi_is_typedarray(env, value, &isTyped), "is_typedarray");
  napi_typedarray_type arrayType = napi_float32_array;
  size_t length = 0;
  void* data = nullptr;
  if (isTyped) {
    napi_value buffer;
    size_t offset;
    check(env, napi_get_typedarray_info(env, value, &arrayType, &length, &data, &buffer, &offset), "typedarray_info");
  }
  if (!isTyped || arrayType != napi_int32_array) throw JsError{std::string(name) + " must be an Int32Array"};
  if (length < count) throw JsError{std::string(name) + " holds " + std::to_string(length) + " values; the problem needs " + std::to_string(count)};
  return static_cast<const int32_t*>(data);
}

inline void needs(const F32& a, int64_t count, const char* name) {
  if (a.data == nullptr || static_cast<int64_t>(a.length) < count) {
    throw JsError{std::string(name) + " holds " + std::to_string(a.length) + " floats; the problem needs " + std::to_string(count)};
  }
}

// Below this many elements a loop runs on the calling thread: waking the pool costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;
// The same for memory-bound passes (element-wise ops, reductions, optimizer updates): on 2 cores a second thread only
// pays for its wake-up (tens of microseconds between kernels) from about 128K floats.
constexpr int64_t kElementwiseParallelMin = 1 << 17;

// oneDNN's CPU engine and the stream every primitive runs on (selfsup_dnnl.cc).
dnnl::engine& cpu();
dnnl::stream& queue();

// batch_norm_training.cc
void batchNormTrainingCall(napi_env env, napi_value* args);
void batchNormTrainingGradCall(napi_env env, napi_value* args);
void batchNormReluTrainingCall(napi_env env, napi_value* args);
void batchNormReluTrainingGradCall(napi_env env, napi_value* args);

// relu_grad.cc
void reluGradCall(napi_env env, napi_value* args);

// gather.cc
void gatherCall(napi_env env, napi_value* args);

// image.cc
void cropAndResizeCall(napi_env env, napi_value* args);
void mirrorPadCall(napi_env env, napi_value* args);

// optimizer_update.cc
void adamUpdateCall(napi_env env, napi_value* args);
void allFiniteCall(napi_env env, napi_value* args);

}  // namespace selfsup_native
