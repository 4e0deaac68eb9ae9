// AES-256-GCM through OpenSSL's EVP interface.
#include "http/api/seal.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace teamlog::http::api {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

unsigned char* bytes(std::string& s, std::size_t offset = 0) { return reinterpret_cast<unsigned char*>(s.data() + offset); }
const unsigned char* bytes(std::string_view s, std::size_t offset = 0) {
  return reinterpret_cast<const unsigned char*>(s.data() + offset);
}

}  // namespace

std::string seal(const Hash& key, std::string_view plaintext) {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  // Failures here mean OpenSSL itself is broken (no entropy, no memory): unexpected, so exceptions.
  if (RAND_bytes(bytes(out), static_cast<int>(kNonceBytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  auto ctx = new_context();
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes(out)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes(out, kNonceBytes), &written, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes(out, kNonceBytes + static_cast<std::size_t>(written)), &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          bytes(out, kNonceBytes + plaintext.size())) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> unseal(const Hash& key, std::string_view sealed) {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  const std::size_t length = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(length, '\0');
  std::string tag(sealed.substr(kNonceBytes + length));
  auto ctx = new_context();
  int written = 0;
  int final_written = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), bytes(out), &written, bytes(sealed, kNonceBytes), static_cast<int>(length)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), bytes(out, static_cast<std::size_t>(written)), &final_written) != 1) {
    return std::nullopt;
  }
  return out;
}

}  // namespace teamlog::http::api
