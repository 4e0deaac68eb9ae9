// Errors as values: a small canonical code set, and Result<T> over it (RocksDB's Status / Abseil's StatusOr).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace teamlog {

enum class ErrorCode {
  kInvalidArgument,   // validation failed; `fields` says where
  kNotFound,
  kAlreadyExists,
  kConflict,          // optimistic-concurrency mismatch or a concurrent duplicate
  kUnauthenticated,
  kPermissionDenied,
  kFailedPrecondition,
  kUnavailable,       // storage refused or failed a write; nothing was acknowledged
  kCorruption,        // stored bytes do not decode or do not verify
  kInternal,
};

const char* error_code_name(ErrorCode code);

// One validation message, attached to a request field. An empty field means a bare message (pretix answers some
// errors as a bare JSON list); "non_field_errors" is DRF's key for cross-field errors.
struct FieldError {
  std::string field;
  std::string message;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldError> fields;

  static Error make(ErrorCode code, std::string message) { return Error{code, std::move(message), {}}; }
  // A single validation error on one field.
  static Error invalid(std::string field, std::string message) {
    std::string summary = field.empty() ? message : field + ": " + message;
    return Error{ErrorCode::kInvalidArgument, std::move(summary), {FieldError{std::move(field), std::move(message)}}};
  }
  std::string to_string() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, as StatusOr
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace teamlog
