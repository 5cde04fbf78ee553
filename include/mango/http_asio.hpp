// Optional: Asio coroutines as route handlers. Include this only if your service already uses
// Boost.Asio; mango/http.hpp works without it.
//
//   boost::asio::io_context io;  // yours, run by your threads
//   router.add_async("GET", "/api/report/", mango::http::coroutine_handler(io.get_executor(),
//       [](mango::http::Request request) -> boost::asio::awaitable<mango::http::Response> {
//         boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 1s);
//         co_await timer.async_wait(boost::asio::use_awaitable);
//         co_return mango::http::Response::json(200, {{"data", *request.user}});
//       }), mango::http::authenticated_only);
//
// The coroutine runs on `executor`, not on the server's workers, so while it waits (timers,
// sockets) it holds no thread at all. An exception escaping it becomes a 500 without its text.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/awaitable.hpp>
#include <exception>
#include <utility>

#include "mango/http.hpp"

namespace mango::http {

// `coroutine` is called as coroutine(Request) and returns boost::asio::awaitable<Response>;
// it takes the request by value, so the request lives in the coroutine frame.
template <class Executor, class Coroutine>
AsyncHandler coroutine_handler(Executor executor, Coroutine coroutine) {
  return [executor, coroutine = std::move(coroutine)](Request request, Responder respond) {
    boost::asio::co_spawn(executor, coroutine(std::move(request)),
                          [respond](std::exception_ptr error, Response response) {
                            if (error)
                              respond(Response::json(500, {{"detail", "Internal server error."}}));
                            else
                              respond(std::move(response));
                          });
  };
}

}  // namespace mango::http
