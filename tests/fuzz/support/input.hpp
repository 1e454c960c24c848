// Splitting one fuzz input into the parts a target needs, without a structure-aware mutator:
// parts are separated by a fixed marker line, so seeds stay readable text and the dictionary can
// hold the marker. Missing parts are empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

/// A property of the code under test that must hold; when it does not, the expression and line
/// are printed and the process aborts, so libFuzzer keeps the input as a crash.
#define FUZZ_REQUIRE(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "fuzz property failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace fuzz {

/// The separator between parts of an input: a line that real inputs do not contain.
inline constexpr std::string_view part_marker = "\n--fuzz--\n";

/// Up to `max_parts` parts; the last one takes the rest of the input (it may contain the marker).
inline std::vector<std::string_view> split_parts(std::string_view in, std::size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < max_parts) {
        const auto pos = in.find(part_marker);
        if (pos == std::string_view::npos)
            break;
        parts.push_back(in.substr(0, pos));
        in.remove_prefix(pos + part_marker.size());
    }
    parts.push_back(in);
    parts.resize(max_parts);
    return parts;
}

/// "Name: value" lines (CRLF or LF) -> (name, value) pairs; lines without ':' are skipped.
template <class Header>
std::vector<Header> parse_header_lines(std::string_view text) {
    std::vector<Header> out;
    while (!text.empty()) {
        auto eol = text.find('\n');
        auto line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        out.push_back(Header{std::string(line.substr(0, colon)), std::string(value)});
    }
    return out;
}

/// True while fuzzing: the targets then step around bugs that were found, reported and are not
/// fixed yet (tests/fuzz/regressions/<target>/open/), so a run finds new bugs instead of the same
/// one again. scripts/fuzz.sh replays the open inputs with FUZZ_UNMASK_KNOWN_OPEN=1 to see
/// whether they still fail. Each guard names its open regression; remove it with the fix.
inline bool mask_known_open() {
    static const bool mask = std::getenv("FUZZ_UNMASK_KNOWN_OPEN") == nullptr;
    return mask;
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

} // namespace fuzz
