// Fuzz target: the whole HTTP request path. The input is the byte stream a client sends on one connection; it
// goes through the real Session (Beast's parser, limits, keep-alive, pipelining), the router, authentication,
// the body parsers, validation and the commands, against a real store. "FUZZTOKEN" in the input is replaced by
// the admin token of organizer "fuzz", so that seeds reach past authentication; "FUZZINVITE" by the secret of an
// invite made for that input, so that seeds reach the invite page and its acceptance.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include "commands/writer.hpp"
#include "events/store.hpp"
#include "http/api/api_app.hpp"
#include "http/metrics.hpp"
#include "http/session.hpp"
#include "projections/queries.hpp"
#include "projections/view_store.hpp"

using namespace teamlog;
namespace net = boost::asio;
namespace test = boost::beast::test;

namespace {

template <class T>
T must(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error().to_string());
  return std::move(r).value();
}

// One server for the whole run: a store without fsync (the fuzzer is after parsing bugs, not durability).
struct Server {
  Server() {
    char tmpl[] = "/tmp/teamlog-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    store = must(Store::open(StoreOptions{.path = dir + "/data", .sync = false}), "open the store");
    views = must(projections::ViewStore::open(*store), "open the views");
    writer = std::make_unique<commands::CommandWriter>(*store, *views);
    app = must(http::api::ApiApplication::create(*store, *views, *writer, metrics, {.invite_key = &invite_key}),
               "create the application");
    auto done = writer->execute(commands::InitOrganizer{"fuzz", "", "admin@fuzz.example", std::nullopt},
                                commands::Context{Actor{ActorType::kSystem, 0, "fuzz init"}, "init", {}});
    if (!done.decision.ok()) throw std::runtime_error("init: " + done.decision.error().to_string());
    token = std::string(boost::json::parse(done.decision->body).at("token").as_string());
    limits.idle_timeout = std::chrono::milliseconds(50);
    limits.read_timeout = std::chrono::milliseconds(50);
    limits.linger = std::chrono::milliseconds(0);
    limits.max_body_bytes = 64 << 10;
    spdlog::set_level(spdlog::level::off);
  }
  ~Server() {
    app.reset();
    writer.reset();
    views.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::string dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<projections::ViewStore> views;
  std::unique_ptr<commands::CommandWriter> writer;
  http::MetricsRegistry metrics;
  std::unique_ptr<http::api::ApiApplication> app;
  // A new invite to the init team; returns its secret.
  std::string new_invite_secret() {
    commands::Context context{Actor{ActorType::kSystem, 0, "fuzz"}, "invite", {}, &invite_key};
    const std::string email = "f" + std::to_string(++invites) + "@fuzz.example";
    auto done = writer->execute(
        commands::CreateInvite{"fuzz", 1, commands::Input::from_json(boost::json::object{{"email", email}})}, context);
    if (!done.decision.ok()) throw std::runtime_error("invite: " + done.decision.error().to_string());
    const auto id = boost::json::parse(done.decision->body).at("id").as_int64();
    auto entry = projections::Queries(*store, views->columns()).outbox_entry(id);
    if (!entry) throw std::runtime_error("invite without a queued mail");
    return invite_key.secret(id, entry->nonce);
  }

  commands::InviteKey invite_key{Hash{42}};
  std::string token;
  int invites = 0;
  http::SessionLimits limits;
};

Server& server() {
  static Server s;
  return s;
}

std::string replace_all(std::string out, std::string_view placeholder, const std::string& value) {
  for (std::size_t at = out.find(placeholder); at != std::string::npos; at = out.find(placeholder, at + value.size())) {
    out.replace(at, placeholder.size(), value);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Server& s = server();
  std::string bytes = replace_all(std::string(reinterpret_cast<const char*>(data), size), "FUZZTOKEN", s.token);
  if (bytes.find("FUZZINVITE") != std::string::npos) bytes = replace_all(bytes, "FUZZINVITE", s.new_invite_secret());
  // Owned as the server owns its contexts: a respond callback that the writer thread lets go after the session
  // has finished still holds work on this io_context, so it must outlive the input (found by this fuzzer).
  auto owner = std::make_shared<net::io_context>();
  net::io_context& io = *owner;
  http::SessionContext context{*s.app, s.limits};
  context.owner = owner;
  test::stream client(io);
  {
    test::stream end(io);
    end.connect(client);
    std::make_shared<http::Session<test::stream>>(std::move(end), context, "192.0.2.1:1")->start();
  }
  net::write(client, net::buffer(bytes));
  client.close();  // end of input: the session answers what it can and closes
  // Writes are answered from the writer thread: run until the session is gone, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    io.restart();
    io.run_for(std::chrono::milliseconds(2));
  } while (!context.sessions.empty() && std::chrono::steady_clock::now() < deadline);
  if (!context.sessions.empty()) std::abort();  // a session that never finishes is a hang: report it
  return 0;
}
