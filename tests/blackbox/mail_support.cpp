// The SMTP sink process and the invite helpers.
#include "mail_support.hpp"

#include <algorithm>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "fixture.hpp"

namespace teamlog::blackbox {

std::string tests_dir() { return TEAMLOG_TESTS_DIR; }

void SmtpSink::start(std::uint16_t port, const std::string& user, const std::string& password) {
  std::vector<std::string> argv{"/usr/bin/python3", tests_dir() + "/blackbox/smtp_sink.py", dir_.str(), "--port",
                                std::to_string(port)};
  if (!user.empty()) argv.insert(argv.end(), {"--user", user, "--password", password});
  port_ = process_.start(argv, "smtp listening on ", std::chrono::seconds(15));
}

std::vector<std::string> SmtpSink::mails() const {
  std::vector<std::pair<std::string, std::string>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path(), ec)) {
    if (entry.path().extension() != ".eml") continue;
    found.emplace_back(entry.path().filename().string(), read_file(entry.path()));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [name, text] : found) out.push_back(std::move(text));
  return out;
}

std::vector<std::string> SmtpSink::wait_for(std::size_t n, std::chrono::milliseconds bound) const {
  std::vector<std::string> got;
  eventually([&] { return (got = mails()).size() >= n; }, bound);
  return got;
}

MailServer::MailServer(std::vector<std::string> args) {
  init = server.init("demo", "admin@example.org", "Demo Org");
  server.set_args(std::move(args));
  server.start();
}

std::string MailServer::invites_path() const {
  return "/api/v1/organizers/demo/teams/" + std::to_string(init.team_id()) + "/invites/";
}

std::int64_t MailServer::invite(const std::string& email) {
  auto r = api().post_json(invites_path(), R"({"email":")" + email + R"("})");
  INFO(describe(r));
  REQUIRE(r.status == 201);
  return r.json().at("id").as_int64();
}

std::vector<std::string> MailServer::audit_types() {
  std::vector<std::string> types;
  auto r = api().get("/api/v1/organizers/demo/auditlog/?page_size=50");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  const auto page = r.json();
  for (const auto& e : page.at("results").as_array()) types.emplace_back(e.at("action_type").as_string());
  return types;
}

std::string link_in(const std::string& mail) {
  const auto at = mail.find("/invite/");
  if (at == std::string::npos) return "";
  const auto begin = mail.rfind("http", at);
  const auto end = mail.find_first_of("\r\n ", at);
  return begin == std::string::npos ? "" : mail.substr(begin, end - begin);
}

std::string secret_of(const std::string& link) { return link.substr(link.rfind('/') + 1); }

std::string path_of(const std::string& link) {
  const auto at = link.find("/invite/");
  return at == std::string::npos ? "" : link.substr(at);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace teamlog::blackbox
