// Loading, creating and using the invite key.
#include "commands/invite_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "events/crypto.hpp"

namespace teamlog::commands {
namespace {

Error key_error(const std::string& path, const std::string& what) {
  return Error::make(ErrorCode::kInvalidArgument, "invite key " + path + ": " + what);
}

Status create_key_file(const std::string& path) {
  Hash key{};
  const std::string random = random_secret(key.size() * 2, "0123456789abcdef");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};  // another process made it first: read theirs
    return key_error(path, std::string("cannot create: ") + std::strerror(errno));
  }
  const std::string text = random + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return key_error(path, std::string("cannot write: ") + std::strerror(saved));
  }
  return {};
}

}  // namespace

Result<InviteKey> InviteKey::load_or_create(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return key_error(path, std::strerror(errno));
    if (auto s = create_key_file(path); !s.ok()) return std::move(s).error();
    if (::stat(path.c_str(), &st) != 0) return key_error(path, std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) return key_error(path, "readable by other users; chmod 600 it");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  Hash key{};
  if (!in || !from_hex(hex, key)) return key_error(path, "expected 64 hex digits");
  return InviteKey(key);
}

std::string InviteKey::secret(std::int64_t invite, std::string_view nonce) const {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";  // 32: 5 bits a character
  std::string message = "teamlog-invite";
  message.push_back('\0');
  message += std::to_string(invite);
  message.push_back('\0');
  message.append(nonce);
  const Hash mac = hmac_sha256(key_, message);
  std::string out;
  out.reserve(mac.size());
  for (const auto b : mac) out.push_back(kAlphabet[b & 31u]);
  return out;
}

}  // namespace teamlog::commands
