// A key-value store over TCP for Gloo's rendezvous, when the ranks share no file system (MASTER_ADDR / MASTER_PORT,
// the torchrun convention). Gloo only needs set / get / wait of a few small keys while the ranks exchange their
// addresses; Gloo's own stores are a shared file (FileStore) or Redis, and this plays the part of PyTorch's TCPStore:
// rank 0 serves the keys from memory, every rank (rank 0 included) is a client. It carries no collective traffic.
#pragma once

#include <gloo/rendezvous/store.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace selfsup_gloo {

// The keys rank 0 serves; shared with its connection threads, which may outlive the server object.
struct StoreState {
  std::mutex mutex;
  std::map<std::string, std::vector<char>> values;
  std::atomic<bool> stopped{false};
  int listener = -1;
};

// Rank 0's server: listens on `port` (all interfaces) until destroyed.
class TcpStoreServer {
 public:
  explicit TcpStoreServer(int port);
  ~TcpStoreServer();
  TcpStoreServer(const TcpStoreServer&) = delete;
  TcpStoreServer& operator=(const TcpStoreServer&) = delete;

 private:
  std::shared_ptr<StoreState> state_;
};

// A client of the server at host:port; connecting retries until `timeout` (rank 0's server may start later).
class TcpStore : public gloo::rendezvous::Store {
 public:
  TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~TcpStore() override;
  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  bool lookup(const std::string& key, std::vector<char>* value);
  int socket_ = -1;
  std::chrono::milliseconds timeout_;
  std::string where_;
};

}  // namespace selfsup_gloo
