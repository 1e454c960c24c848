// Expected<T, E>: a value or an error, for a protocol layer whose errors are values.
//
// g++ 12 in C++20 mode has no std::expected, so this is the small subset we use. Accessing the
// wrong alternative is a programming error and throws BadExpectedAccess (never across the C ABI:
// the plugin boundary turns exceptions into statuses).
#pragma once

#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace invoicebox::protocol {

/// Wraps an error so that Expected<T, E> can be built from it even when T and E are the same type.
template <class E>
struct Unexpected {
    E error;
};

template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return Unexpected<std::decay_t<E>>{std::forward<E>(e)};
}

class BadExpectedAccess : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

template <class T, class E>
class Expected {
  public:
    using value_type = T;
    using error_type = E;

    Expected(const T& v) : v_(std::in_place_index<0>, v) {}
    Expected(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
    template <class G>
    Expected(Unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u.error))) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return check_value(), std::get<0>(v_); }
    const T& value() const& { return check_value(), std::get<0>(v_); }
    T&& value() && { return check_value(), std::get<0>(std::move(v_)); }

    E& error() & { return check_error(), std::get<1>(v_); }
    const E& error() const& { return check_error(), std::get<1>(v_); }
    E&& error() && { return check_error(), std::get<1>(std::move(v_)); }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    void check_value() const {
        if (!has_value())
            throw BadExpectedAccess("Expected: value() on an error");
    }
    void check_error() const {
        if (has_value())
            throw BadExpectedAccess("Expected: error() on a value");
    }

    std::variant<T, E> v_;
};

} // namespace invoicebox::protocol
