// Answering directly, through the writer, and through idempotency records.
#include "http/api/reply.hpp"

#include <spdlog/spdlog.h>

#include "http/api/command_response.hpp"

namespace teamlog::http::api {

Reply::Reply(Idempotency& idempotency, commands::CommandWriter& writer, Respond respond, std::string_view route,
             std::shared_ptr<IdempotencyTicket> ticket, std::string request_id)
    : idempotency_(idempotency),
      writer_(writer),
      respond_(std::move(respond)),
      route_(route),
      ticket_(std::move(ticket)),
      request_id_(std::move(request_id)) {}

void Reply::send(HttpResponse response) {
  response.route = route_;
  if (ticket_) return idempotency_.finish(std::move(ticket_), std::move(response), std::move(respond_));
  respond_(std::move(response));
}

void Reply::write(commands::Command command, commands::Context context, Render render) {
  commands::CommandWriter::AlsoWrite also;
  if (ticket_) also = idempotency_.record(ticket_, request_id_);
  // Runs on a writer thread once the batch is durable: render, let repeats through, and hand the response to the
  // session, which moves it to its own I/O thread.
  auto done = [respond = std::move(respond_), route = route_, ticket = std::move(ticket_), request_id = request_id_,
               render = std::move(render)](commands::Completion completion) {
    HttpResponse response =
        render ? render(completion.decision, request_id) : command_response(completion.decision, request_id);
    if (response.status >= 500) {
      spdlog::error("request {}: {}", request_id, completion.decision.error().to_string());
    }
    response.route = route;
    if (ticket) ticket->release();
    respond(std::move(response));
  };
  writer_.submit(std::move(command), std::move(context), std::move(done), std::move(also));
}

}  // namespace teamlog::http::api
