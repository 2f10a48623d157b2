#pragma once
// Internal to the edge (Beast types): hands an upgraded HTTP connection to a WebSocket
// session. Included only by http_server.cpp and ws_session.cpp.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/app.hpp"
#include "http/ws_connection.hpp"

namespace sb::http {

// Live sockets, so that shutdown can close each with 1001.
class session_registry {
 public:
  void add(void* key, std::function<void()> close_going_away);
  void remove(void* key);
  void close_all();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<void*, std::function<void()>> sessions_;
  std::size_t live_ = 0;  // added and not yet removed, closing ones included
  bool closed_ = false;
};

void start_ws_session(app& a, session_registry& registry, boost::beast::tcp_stream&& stream,
                      boost::beast::http::request<boost::beast::http::string_body>&& req,
                      ws_connection::kind kind, std::string site_key, std::string workspace_id);

}  // namespace sb::http
