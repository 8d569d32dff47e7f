// The TCP rendezvous store (tcp_store.h). Requests are [op u8][key length u32][key][value length u32][value]; a SET
// is answered with one byte, a GET with [found u8][value length u32][value]. A client polls GET until the key exists,
// so the server never blocks on a missing key.
#include "tcp_store.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace selfsup_gloo {
namespace {

constexpr uint8_t kSet = 1;
constexpr uint8_t kGet = 2;

bool readAll(int fd, void* buffer, size_t length) {
  auto* p = static_cast<char*>(buffer);
  while (length > 0) {
    ssize_t n = ::recv(fd, p, length, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    length -= static_cast<size_t>(n);
  }
  return true;
}

bool writeAll(int fd, const void* buffer, size_t length) {
  const auto* p = static_cast<const char*>(buffer);
  while (length > 0) {
    ssize_t n = ::send(fd, p, length, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    length -= static_cast<size_t>(n);
  }
  return true;
}

bool writeU32(int fd, uint32_t v) { return writeAll(fd, &v, sizeof v); }
bool readU32(int fd, uint32_t* v) { return readAll(fd, v, sizeof *v); }

// Keys and values of a rendezvous are small (addresses); anything larger is a stray connection, not a rank.
constexpr uint32_t kMaxLength = 1u << 20;

void serve(std::shared_ptr<StoreState> state, int fd) {
  for (;;) {
    uint8_t op = 0;
    uint32_t keyLength = 0, valueLength = 0;
    if (!readAll(fd, &op, 1) || !readU32(fd, &keyLength) || keyLength > kMaxLength) break;
    std::string key(keyLength, '\0');
    if (!readAll(fd, key.data(), keyLength) || !readU32(fd, &valueLength) || valueLength > kMaxLength) break;
    std::vector<char> value(valueLength);
    if (valueLength > 0 && !readAll(fd, value.data(), valueLength)) break;
    if (op == kSet) {
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->values[key] = std::move(value);
      }
      uint8_t ok = 1;
      if (!writeAll(fd, &ok, 1)) break;
    } else if (op == kGet) {
      std::vector<char> found;
      uint8_t present = 0;
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        auto it = state->values.find(key);
        if (it != state->values.end()) {
          present = 1;
          found = it->second;
        }
      }
      if (!writeAll(fd, &present, 1) || !writeU32(fd, static_cast<uint32_t>(found.size())) ||
          (!found.empty() && !writeAll(fd, found.data(), found.size()))) {
        break;
      }
    } else {
      break;
    }
  }
  ::close(fd);
}

std::runtime_error socketError(const std::string& what) { return std::runtime_error(what + ": " + std::strerror(errno)); }

}  // namespace

TcpStoreServer::TcpStoreServer(int port) : state_(std::make_shared<StoreState>()) {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  bool v6 = fd >= 0;
  if (!v6) fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw socketError("rendezvous server: socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int bound;
  if (v6) {
    int zero = 0;  // IPv4 clients too
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;
    address.sin6_port = htons(static_cast<uint16_t>(port));
    bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<uint16_t>(port));
    bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  if (bound != 0 || ::listen(fd, 64) != 0) {
    auto error = socketError("rendezvous server: cannot listen on port " + std::to_string(port));
    ::close(fd);
    throw error;
  }
  state_->listener = fd;
  std::shared_ptr<StoreState> state = state_;
  std::thread([state, fd]() {
    for (;;) {
      int client = ::accept(fd, nullptr, nullptr);
      if (client < 0) {
        if (errno == EINTR) continue;
        if (state->stopped) return;
        if (errno == EMFILE || errno == ENFILE || errno == ECONNABORTED) continue;
        return;
      }
      int nodelay = 1;
      ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
      std::thread(serve, state, client).detach();
    }
  }).detach();
}

TcpStoreServer::~TcpStoreServer() {
  state_->stopped = true;
  // Wakes the accept loop, which then ends; the connection threads end as their clients close.
  ::shutdown(state_->listener, SHUT_RDWR);
  ::close(state_->listener);
}

TcpStore::TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  where_ = host + ":" + std::to_string(port);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no address";
  while (socket_ < 0) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (status != 0) {
      last = ::gai_strerror(status);
    } else {
      for (addrinfo* a = found; a != nullptr && socket_ < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
          int nodelay = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
          socket_ = fd;
        } else {
          last = std::strerror(errno);
          ::close(fd);
        }
      }
      ::freeaddrinfo(found);
    }
    if (socket_ >= 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("rendezvous: no server at " + where_ + " (" + last + "); is rank 0 running, with this MASTER_ADDR and MASTER_PORT?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TcpStore::~TcpStore() {
  if (socket_ >= 0) ::close(socket_);
}

void TcpStore::set(const std::string& key, const std::vector<char>& data) {
  uint8_t op = kSet, ok = 0;
  if (!writeAll(socket_, &op, 1) || !writeU32(socket_, static_cast<uint32_t>(key.size())) || !writeAll(socket_, key.data(), key.size()) ||
      !writeU32(socket_, static_cast<uint32_t>(data.size())) || (!data.empty() && !writeAll(socket_, data.data(), data.size())) ||
      !readAll(socket_, &ok, 1)) {
    throw std::runtime_error("rendezvous: lost the server at " + where_ + " while setting " + key);
  }
}

bool TcpStore::lookup(const std::string& key, std::vector<char>* value) {
  uint8_t op = kGet, present = 0;
  uint32_t length = 0;
  if (!writeAll(socket_, &op, 1) || !writeU32(socket_, static_cast<uint32_t>(key.size())) || !writeAll(socket_, key.data(), key.size()) ||
      !writeU32(socket_, 0) || !readAll(socket_, &present, 1) || !readU32(socket_, &length) || length > kMaxLength) {
    throw std::runtime_error("rendezvous: lost the server at " + where_ + " while reading " + key);
  }
  std::vector<char> data(length);
  if (length > 0 && !readAll(socket_, data.data(), length)) throw std::runtime_error("rendezvous: lost the server at " + where_);
  if (present != 0 && value != nullptr) *value = std::move(data);
  return present != 0;
}

std::vector<char> TcpStore::get(const std::string& key) {
  wait({key}, timeout_);
  std::vector<char> value;
  lookup(key, &value);
  return value;
}

void TcpStore::wait(const std::vector<std::string>& keys) { wait(keys, timeout_); }

void TcpStore::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& key : keys) {
    while (!lookup(key, nullptr)) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("rendezvous: timed out waiting for " + key + " at " + where_ + " (a rank has not joined)");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace selfsup_gloo
