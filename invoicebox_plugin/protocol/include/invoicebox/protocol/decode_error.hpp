// DecodeError: why a JSON document could not be read into a typed model.
#pragma once

#include <string>

namespace invoicebox::protocol {

struct DecodeError {
    std::string path;    ///< where, e.g. "data.basketItems[1].amount" ("" = the document)
    std::string message; ///< what, e.g. "too many decimals"
    friend bool operator==(const DecodeError&, const DecodeError&) = default;
};

} // namespace invoicebox::protocol
