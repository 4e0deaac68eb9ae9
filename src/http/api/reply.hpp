// How a request is answered: at once, or when its command is durable; through its idempotency ticket if it has one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "commands/writer.hpp"
#include "http/api/idempotency.hpp"
#include "http/request.hpp"

namespace teamlog::http::api {

class Reply {
 public:
  using Respond = std::function<void(HttpResponse)>;
  // How a command's decision becomes the response; empty: command_response (JSON).
  using Render = std::function<HttpResponse(const Result<commands::Decision>&, std::string_view request_id)>;

  // `route` labels the response for the request metrics and must outlive it (a Router's pattern). `ticket` is
  // null for a request without an idempotency key.
  Reply(Idempotency& idempotency, commands::CommandWriter& writer, Respond respond, std::string_view route,
        std::shared_ptr<IdempotencyTicket> ticket, std::string request_id);

  // Exactly one of these, once.
  void send(HttpResponse response);
  // Submits the command; the response follows from its decision once the batch is durable. Never blocks.
  void write(commands::Command command, commands::Context context, Render render = {});

 private:
  Idempotency& idempotency_;
  commands::CommandWriter& writer_;
  Respond respond_;
  std::string_view route_;
  std::shared_ptr<IdempotencyTicket> ticket_;
  std::string request_id_;
};

}  // namespace teamlog::http::api
