// libcurl's SMTP client, one easy handle per message (mails are rare; a handle per send keeps no state between).
#include "http/mail/smtp.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "http/mail/invite_mail.hpp"

namespace teamlog::http::mail {
namespace {

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

void smtp_global_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }
void smtp_global_cleanup() { curl_global_cleanup(); }

Status smtp_send(const SmtpOptions& options, std::string_view from, std::string_view to, std::string_view message) {
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Error::make(ErrorCode::kUnavailable, "curl_easy_init failed");
  const auto bracketed = [](std::string_view address) {
    std::string out;
    out.reserve(address.size() + 2);
    out += '<';
    out += address;
    out += '>';
    return out;
  };
  const std::string sender = bracketed(from);
  const std::string recipient = bracketed(to);
  std::unique_ptr<curl_slist, ListDeleter> recipients(curl_slist_append(nullptr, recipient.c_str()));
  Upload upload{message, 0};
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // we run on our own thread; no SIGALRM for timeouts
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  // smtps:// is TLS from the start; on smtp://, upgrade with STARTTLS whenever the server offers it. A password is
  // only sent over TLS, unless the server is on this machine (a local relay): then STARTTLS is required.
  const std::string host = url_host(options.url);
  const bool local = host == "127.0.0.1" || host == "localhost" || host == "::1";
  const bool need_tls = !options.user.empty() && !local;
  curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(need_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!options.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    const std::string reason = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc));
    return Error::make(ErrorCode::kUnavailable, "SMTP " + options.url + ": " + reason);
  }
  return {};
}

}  // namespace teamlog::http::mail
