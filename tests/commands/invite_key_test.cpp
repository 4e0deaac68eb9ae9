// The invite key file: created once with mode 0600, read back the same, refused when others can read it.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "commands/invite_key.hpp"
#include "test_support.hpp"

using teamlog::commands::InviteKey;

TEST_CASE("the invite key is created with mode 0600 and derives the same secrets when read back", "[invite_key]") {
  teamlog::testing::TempDir dir;
  const std::string path = dir.str() + "/invite.key";
  auto created = InviteKey::load_or_create(path);
  REQUIRE(created.ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = InviteKey::load_or_create(path);
  REQUIRE(again.ok());
  const auto secret = created->secret(1, "nonce");
  CHECK(secret == again->secret(1, "nonce"));
  CHECK(secret.size() == 32);
  CHECK(secret.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") == std::string::npos);
  CHECK(secret != created->secret(2, "nonce"));
  CHECK(secret != created->secret(1, "nonce2"));
  // Another data dir gets another key.
  teamlog::testing::TempDir other;
  auto elsewhere = InviteKey::load_or_create(other.str() + "/invite.key");
  REQUIRE(elsewhere.ok());
  CHECK(elsewhere->secret(1, "nonce") != secret);
}

TEST_CASE("a key file that others can read, or that holds no key, is refused with its path", "[invite_key]") {
  teamlog::testing::TempDir dir;
  const std::string path = dir.str() + "/invite.key";
  REQUIRE(InviteKey::load_or_create(path).ok());
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  auto open = InviteKey::load_or_create(path);
  REQUIRE_FALSE(open.ok());
  CHECK(open.error().message.find(path) != std::string::npos);
  CHECK(open.error().message.find("chmod 600") != std::string::npos);
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  std::ofstream(path) << "not a key\n";
  auto garbage = InviteKey::load_or_create(path);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().message.find("64 hex digits") != std::string::npos);
}
