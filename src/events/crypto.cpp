// OpenSSL-backed implementations of the digest and secret helpers.
#include "events/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace teamlog {
namespace {

struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

// OpenSSL 3 looks the algorithm up in its provider tables on every EVP_DigestInit_ex(EVP_sha256()); fetching it
// once saves most of the per-digest overhead for the short inputs we hash (events, token secrets).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

Hash digest(std::string_view a, std::string_view b) {
  thread_local MdCtx md;
  Hash out{};
  unsigned int len = 0;
  if (md.ctx == nullptr || EVP_DigestInit_ex(md.ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(md.ctx, a.data(), a.size()) != 1 || EVP_DigestUpdate(md.ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(md.ctx, out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return out;
}

}  // namespace

Hash sha256(std::string_view bytes) { return digest(bytes, {}); }
Hash sha256(std::string_view first, std::string_view second) { return digest(first, second); }

Hash hmac_sha256(const Hash& key, std::string_view message) {
  Hash out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), out.data(), &len) == nullptr ||
      len != out.size()) {
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0x0f];
  }
  return out;
}

std::string to_hex(const Hash& hash) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

bool from_hex(std::string_view hex, Hash& out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string random_secret(std::size_t length, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) throw std::invalid_argument("random_secret: bad alphabet");
  // Largest multiple of the alphabet size that fits in a byte: bytes at or above it are drawn again.
  const unsigned limit = 256u - (256u % static_cast<unsigned>(alphabet.size()));
  std::string out;
  out.reserve(length);
  unsigned char buf[128];
  while (out.size() < length) {
    if (RAND_bytes(buf, sizeof(buf)) != 1) throw std::runtime_error("CSPRNG (RAND_bytes) failed");
    for (unsigned char b : buf) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == length) break;
    }
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace teamlog
