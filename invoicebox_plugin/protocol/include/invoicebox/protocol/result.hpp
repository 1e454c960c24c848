// Result<T>: the outcome of one API call, a T or an ApiError.
#pragma once

#include "invoicebox/protocol/api_error.hpp"
#include "invoicebox/protocol/expected.hpp"

namespace invoicebox::protocol {

template <class T>
using Result = Expected<T, ApiError>;

} // namespace invoicebox::protocol
