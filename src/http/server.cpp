// The HTTP/1.1 server on Boost.Beast: the only file that knows Beast and Asio. Sessions read and
// write on I/O threads; handlers (password hashing, database calls) run on a worker pool.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "mango/http.hpp"

namespace mango::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

Request to_request(BeastRequest&& in, const std::string& remote_address) {
  Request out;
  out.method = std::string(in.method_string());
  std::string_view target = in.target();
  auto question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(in.body());
  out.remote_address = remote_address;
  return out;
}

BeastResponse to_beast(const Response& in, unsigned version, bool keep_alive) {
  BeastResponse out{static_cast<bhttp::status>(in.status), version};
  out.set(bhttp::field::server, "mango-jwt");
  out.set(bhttp::field::content_type, in.content_type);
  for (const auto& [name, value] : in.headers) out.set(name, value);
  out.body() = in.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

class Session;

// Sessions whose request is with a handler. The server, not the Responder, keeps them alive, so
// that a Responder outliving the server holds nothing that needs the server's io_context.
struct Waiting {
  std::mutex mutex;
  std::condition_variable answered;
  std::unordered_map<const Session*, std::shared_ptr<Session>> sessions;
  std::size_t writing = 0;  // answers handed over whose write has not finished
  bool closed = false;  // the server stopped: late answers are dropped
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  net::io_context io;
  tcp::acceptor acceptor{io};
  // Keeps the I/O threads running while no socket operation is pending (e.g. when every
  // connection waits for a handler), so answers can still be written until stop().
  std::optional<net::executor_work_guard<net::io_context::executor_type>> io_work;
  std::optional<net::thread_pool> workers;
  std::vector<std::thread> io_threads;
  std::uint16_t bound_port = 0;
  std::mutex stop_mutex;
  bool stopped = false;
  std::shared_ptr<Waiting> waiting = std::make_shared<Waiting>();

  Impl(ServerOptions o, const Router& r) : options(std::move(o)), router(r) {}

  void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    stream_.expires_after(server_.options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return close();
    }
    if (ec == bhttp::error::body_limit) {
      return reply_and_close(413, "Request body too large (limit " +
                                      std::to_string(server_.options.max_body_bytes) + " bytes).");
    }
    if (ec == bhttp::error::header_limit) {
      return reply_and_close(431, "Request headers too large.");
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category())
        return reply_and_close(400, "Malformed HTTP request.");
      return close();
    }

    BeastRequest message = parser_->release();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    Request request = to_request(std::move(message), remote_address_);
    stream_.expires_never();  // the handler's time is not idle time
    {
      std::lock_guard lock(server_.waiting->mutex);
      if (server_.waiting->closed) return close();
      server_.waiting->sessions.emplace(this, shared_from_this());
    }
    Responder respond([waiting = std::weak_ptr<Waiting>(server_.waiting), key = this](Response response) {
      deliver(waiting, key, std::move(response));
    });
    // The worker runs the guard and a synchronous handler; an asynchronous one returns at once
    // and answers later from wherever it likes.
    net::post(*server_.workers, [&router = server_.router, request = std::move(request),
                                 respond = std::move(respond)]() mutable {
      router.dispatch(std::move(request), std::move(respond));
    });
  }

  // Hands a handler's answer to the session's strand, once; nothing after the server stopped.
  static void deliver(const std::weak_ptr<Waiting>& weak, const Session* key, Response response) {
    auto waiting = weak.lock();
    if (!waiting) return;
    // Posting under the lock: stop() takes it before the io_context can go away.
    std::lock_guard lock(waiting->mutex);
    auto it = waiting->sessions.find(key);
    if (it == waiting->sessions.end()) return;
    auto self = std::move(it->second);
    waiting->sessions.erase(it);
    ++waiting->writing;
    net::post(self->stream_.get_executor(),
              [self, response = std::move(response)] { self->write(response, true); });
  }

  void reply_and_close(int status, std::string message) {
    keep_alive_ = false;
    version_ = 11;
    write(Response::json(status, {{"detail", std::move(message)}}));
  }

  // `handled`: the answer of a handler, counted in Waiting::writing until written.
  void write(const Response& response, bool handled = false) {
    response_ = to_beast(response, version_, keep_alive_);
    stream_.expires_after(server_.options.idle_timeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this(), handled](beast::error_code ec, std::size_t) {
                         if (handled) {
                           auto& waiting = *self->server_.waiting;
                           std::lock_guard lock(waiting.mutex);
                           --waiting.writing;
                           waiting.answered.notify_all();
                         }
                         if (ec || !self->keep_alive_) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  BeastResponse response_;
  std::string remote_address_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), *this)->start();
    else spdlog::warn("accept failed: {}", ec.message());
    accept();
  });
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { stop(); }

Result<void> Server::start() {
  auto& o = impl_->options;
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto endpoints = resolver.resolve(o.host, std::to_string(o.port), ec);
  if (ec || endpoints.empty())
    return fail(ErrorCode::invalid_argument, "cannot resolve listen address '" + o.host + "'");
  tcp::endpoint endpoint = *endpoints.begin();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(ErrorCode::unavailable, "cannot listen on " + o.host + ":" +
                                            std::to_string(o.port) + ": " + ec.message());
  impl_->bound_port = acceptor.local_endpoint().port();

  unsigned workers = o.worker_threads ? o.worker_threads
                                      : std::max(16u, 4 * std::thread::hardware_concurrency());
  impl_->workers.emplace(workers);
  impl_->io_work.emplace(impl_->io.get_executor());
  impl_->accept();
  for (unsigned i = 0; i < std::max(1u, o.io_threads); ++i)
    impl_->io_threads.emplace_back([this] { impl_->io.run(); });
  return {};
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::wait_for_signal() {
  net::io_context signal_io;
  net::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([](beast::error_code, int signal) {
    spdlog::info("received signal {}, shutting down", signal);
  });
  signal_io.run();
  stop();
}

void Server::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  // Requests already with the workers finish, asynchronous ones get a grace period to answer;
  // then the I/O threads stop.
  if (impl_->workers) impl_->workers->join();
  auto& waiting = *impl_->waiting;
  {
    std::unique_lock lock(waiting.mutex);
    waiting.answered.wait_for(lock, impl_->options.shutdown_grace,
                              [&] { return waiting.sessions.empty() && waiting.writing == 0; });
  }
  impl_->io_work.reset();
  impl_->io.stop();
  for (auto& thread : impl_->io_threads)
    if (thread.joinable()) thread.join();
  // Unanswered sessions close here, while their io_context still exists.
  std::unordered_map<const Session*, std::shared_ptr<Session>> unanswered;
  {
    std::lock_guard lock(waiting.mutex);
    waiting.closed = true;
    unanswered.swap(waiting.sessions);
  }
  if (!unanswered.empty())
    spdlog::warn("stopped with {} request(s) still unanswered", unanswered.size());
}

}  // namespace mango::http
