// IB_TRY(var, expr): unwraps an Expected into `var` or returns its error from the enclosing
// function. Internal to the codecs; keeps field-by-field decoding readable.
#pragma once

#define IB_TRY(var, expr)                                                                          \
    auto var##_r = (expr);                                                                         \
    if (!var##_r)                                                                                  \
        return ::invoicebox::protocol::unexpected(std::move(var##_r).error());                     \
    auto var = std::move(var##_r).value()
