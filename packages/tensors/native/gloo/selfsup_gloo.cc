// selfsup's optional collectives: an N-API addon over Gloo (libgloo, the collective library PyTorch uses for CPU
// training). It binds Gloo's own algorithms (ring / halving-doubling all-reduce, ring all-gather, broadcast, barrier)
// over its TCP transport, with Gloo's file-store rendezvous; selfsup adds no collective algorithm of its own.
// Every call blocks until the collective completes or Gloo's timeout fires (an exception, rethrown as a JS error), which
// suits a training step: nothing else runs while the gradients are being averaged.
// Build: node packages/tensors/native/gloo/build.mjs (needs g++ and libgloo-dev; see packages/tensors/README.md).
#include <node_api.h>

#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include "tcp_store.h"

#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

namespace {

struct Group {
  // Rank 0's rendezvous server with a tcp: store; kept until the group closes (other ranks may still be reading).
  std::unique_ptr<selfsup_gloo::TcpStoreServer> server;
  std::shared_ptr<gloo::transport::Device> device;
  std::shared_ptr<gloo::rendezvous::Context> context;
  std::chrono::milliseconds timeout{0};
};

bool check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  napi_throw_error(env, "ERR_SELFSUP_GLOO", what);
  return false;
}

bool getInt(napi_env env, napi_value v, int64_t* out, const char* what) {
  return check(env, napi_get_value_int64(env, v, out), what);
}

bool getString(napi_env env, napi_value v, std::string* out, const char* what) {
  size_t length = 0;
  if (!check(env, napi_get_value_string_utf8(env, v, nullptr, 0, &length), what)) return false;
  out->resize(length);
  return check(env, napi_get_value_string_utf8(env, v, out->data(), length + 1, &length), what);
}

bool getFloats(napi_env env, napi_value v, float** data, size_t* length, const char* what) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!check(env, napi_get_typedarray_info(env, v, &type, length, &raw, &buffer, &offset), what)) return false;
  if (type != napi_float32_array) {
    napi_throw_type_error(env, "ERR_SELFSUP_GLOO", what);
    return false;
  }
  *data = static_cast<float*>(raw);
  return true;
}

Group* getGroup(napi_env env, napi_value v) {
  void* raw = nullptr;
  if (!check(env, napi_get_value_external(env, v, &raw), "expected a process group handle from connect()")) return nullptr;
  auto* group = static_cast<Group*>(raw);
  if (group->context == nullptr) {
    napi_throw_error(env, "ERR_SELFSUP_GLOO", "the process group was closed");
    return nullptr;
  }
  return group;
}

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const std::exception& error) {
    napi_throw_error(env, "ERR_SELFSUP_GLOO", error.what());
  } catch (...) {
    napi_throw_error(env, "ERR_SELFSUP_GLOO", "unknown Gloo failure");
  }
  return nullptr;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

void finalizeGroup(napi_env, void* data, void*) { delete static_cast<Group*>(data); }

// connect(rank, size, store, prefix, timeoutMs, hostname) -> handle. Every rank calls it with the same store and prefix:
// "file:<directory>" (Gloo's FileStore, a shared file system) or "tcp:<host>:<port>" (rank 0 serves the keys, see
// tcp_store.h). It returns once all `size` ranks are connected to each other (a full mesh of TCP pairs).
napi_value Connect(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "bad arguments")) return nullptr;
  if (argc != 6) {
    napi_throw_error(env, "ERR_SELFSUP_GLOO", "connect(rank, size, storePath, prefix, timeoutMs, hostname)");
    return nullptr;
  }
  int64_t rank = 0, size = 0, timeoutMs = 0;
  std::string storeSpec, prefix, hostname;
  if (!getInt(env, argv[0], &rank, "rank: expected an integer") || !getInt(env, argv[1], &size, "size: expected an integer") ||
      !getString(env, argv[2], &storeSpec, "store: expected a string") || !getString(env, argv[3], &prefix, "prefix: expected a string") ||
      !getInt(env, argv[4], &timeoutMs, "timeoutMs: expected an integer") || !getString(env, argv[5], &hostname, "hostname: expected a string")) {
    return nullptr;
  }
  return guarded(env, [&]() -> napi_value {
    auto group = std::make_unique<Group>();
    gloo::transport::tcp::attr attr;
    attr.hostname = hostname;
    group->device = gloo::transport::tcp::CreateDevice(attr);
    group->timeout = std::chrono::milliseconds(timeoutMs);
    std::unique_ptr<gloo::rendezvous::Store> base;
    if (storeSpec.rfind("file:", 0) == 0) {
      base = std::make_unique<gloo::rendezvous::FileStore>(storeSpec.substr(5));
    } else if (storeSpec.rfind("tcp:", 0) == 0) {
      const std::string hostPort = storeSpec.substr(4);
      const auto colon = hostPort.rfind(':');
      if (colon == std::string::npos) throw std::runtime_error("store: expected tcp:<host>:<port>, got " + storeSpec);
      const std::string host = hostPort.substr(0, colon);
      const int port = std::stoi(hostPort.substr(colon + 1));
      if (rank == 0) group->server = std::make_unique<selfsup_gloo::TcpStoreServer>(port);
      base = std::make_unique<selfsup_gloo::TcpStore>(host, port, group->timeout);
    } else {
      throw std::runtime_error("store: expected file:<directory> or tcp:<host>:<port>, got " + storeSpec);
    }
    gloo::rendezvous::PrefixStore store(prefix, *base);
    auto context = std::make_shared<gloo::rendezvous::Context>(static_cast<int>(rank), static_cast<int>(size));
    context->setTimeout(group->timeout);
    context->connectFullMesh(store, group->device);
    group->context = std::move(context);
    napi_value handle;
    Group* raw = group.release();
    if (napi_create_external(env, raw, finalizeGroup, nullptr, &handle) != napi_ok) {
      delete raw;
      napi_throw_error(env, "ERR_SELFSUP_GLOO", "could not create the process group handle");
      return nullptr;
    }
    return handle;
  });
}

// The arguments of the in-place collectives: (handle, data: Float32Array, an integer: the op or the root).
struct InPlaceArgs {
  Group* group = nullptr;
  float* data = nullptr;
  size_t length = 0;
  int64_t number = 0;
};

bool readInPlaceArgs(napi_env env, napi_callback_info info, const char* numberWhat, InPlaceArgs* args) {
  size_t argc = 3;
  napi_value argv[3];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "bad arguments")) return false;
  args->group = getGroup(env, argv[0]);
  if (args->group == nullptr) return false;
  return getFloats(env, argv[1], &args->data, &args->length, "data: expected a Float32Array") && getInt(env, argv[2], &args->number, numberWhat);
}

// allReduce(handle, data: Float32Array, op: 0 sum | 1 max | 2 min): in place, the same result on every rank.
napi_value AllReduce(napi_env env, napi_callback_info info) {
  InPlaceArgs args;
  if (!readInPlaceArgs(env, info, "op: expected 0, 1 or 2", &args)) return nullptr;
  Group* group = args.group;
  float* data = args.data;
  const size_t length = args.length;
  const int64_t op = args.number;
  return guarded(env, [&]() -> napi_value {
    if (length == 0) return undefinedValue(env);
    gloo::AllreduceOptions opts(group->context);
    opts.setOutput(data, length);
    opts.setTimeout(group->timeout);
    using Reduce = void (*)(void*, const void*, const void*, size_t);
    Reduce sum = &gloo::sum<float>, max = &gloo::max<float>, min = &gloo::min<float>;
    opts.setReduceFunction(op == 1 ? max : op == 2 ? min : sum);
    gloo::allreduce(opts);
    return undefinedValue(env);
  });
}

// allGather(handle, input: Float32Array, output: Float32Array of size * input.length): rank r's input lands at r.
napi_value AllGather(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "bad arguments")) return nullptr;
  Group* group = getGroup(env, argv[0]);
  if (group == nullptr) return nullptr;
  float *input = nullptr, *output = nullptr;
  size_t inLength = 0, outLength = 0;
  if (!getFloats(env, argv[1], &input, &inLength, "input: expected a Float32Array") || !getFloats(env, argv[2], &output, &outLength, "output: expected a Float32Array")) return nullptr;
  if (outLength != inLength * static_cast<size_t>(group->context->size)) {
    napi_throw_range_error(env, "ERR_SELFSUP_GLOO", "output: expected size x input.length elements");
    return nullptr;
  }
  return guarded(env, [&]() -> napi_value {
    if (inLength == 0) return undefinedValue(env);
    gloo::AllgatherOptions opts(group->context);
    opts.setInput(input, inLength);
    opts.setOutput(output, outLength);
    opts.setTimeout(group->timeout);
    gloo::allgather(opts);
    return undefinedValue(env);
  });
}

// broadcast(handle, data: Float32Array, root): in place; afterwards every rank holds the root's values.
napi_value Broadcast(napi_env env, napi_callback_info info) {
  InPlaceArgs args;
  if (!readInPlaceArgs(env, info, "root: expected an integer", &args)) return nullptr;
  Group* group = args.group;
  float* data = args.data;
  const size_t length = args.length;
  const int64_t root = args.number;
  return guarded(env, [&]() -> napi_value {
    if (length == 0) return undefinedValue(env);
    gloo::BroadcastOptions opts(group->context);
    opts.setOutput(data, length);
    opts.setRoot(static_cast<int>(root));
    opts.setTimeout(group->timeout);
    gloo::broadcast(opts);
    return undefinedValue(env);
  });
}

napi_value Barrier(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "bad arguments")) return nullptr;
  Group* group = getGroup(env, argv[0]);
  if (group == nullptr) return nullptr;
  return guarded(env, [&]() -> napi_value {
    gloo::BarrierOptions opts(group->context);
    opts.setTimeout(group->timeout);
    gloo::barrier(opts);
    return undefinedValue(env);
  });
}

// close(handle): drops the connections now (the handle's finalizer would, later).
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "bad arguments")) return nullptr;
  void* raw = nullptr;
  if (!check(env, napi_get_value_external(env, argv[0], &raw), "expected a process group handle from connect()")) return nullptr;
  auto* group = static_cast<Group*>(raw);
  return guarded(env, [&]() -> napi_value {
    group->context.reset();
    group->device.reset();
    group->server.reset();
    return undefinedValue(env);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"connect", nullptr, Connect, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allReduce", nullptr, AllReduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allGather", nullptr, AllGather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
