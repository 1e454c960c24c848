// See logger.hpp.
#include "logger.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

namespace pms::host::detail {
namespace {

int rank(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::debug:
        return 0;
    case LogLevel::info:
        return 1;
    case LogLevel::warning:
        return 2;
    default:
        return 3; // error, fatal and the misbehaving levels are always at least errors
    }
}

bool iequal_prefix(std::string_view text, std::size_t at, std::string_view word) noexcept {
    if (text.size() - at < word.size())
        return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[at + i])) !=
            std::tolower(static_cast<unsigned char>(word[i])))
            return false;
    return true;
}

bool is_token_char(char c) noexcept {
    return c != ' ' && c != '\t' && c != ';' && c != ',' && c != '"' && c != '\'' && c != '\r' &&
           c != '\n';
}

bool luhn_ok(std::string_view digits) noexcept {
    int sum = 0;
    bool twice = false;
    for (std::size_t i = digits.size(); i-- > 0;) {
        int d = digits[i] - '0';
        if (twice) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

// "Authorization: <scheme> <credentials>" -> keeps the scheme word, masks up to ';' or end.
std::string mask_authorization(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool matched = false;
        for (std::string_view word :
             {std::string_view{"proxy-authorization"}, std::string_view{"authorization"}}) {
            if (!iequal_prefix(text, i, word))
                continue;
            std::size_t j = i + word.size();
            std::size_t k = j;
            while (k < text.size() && (text[k] == ' ' || text[k] == '"'))
                ++k;
            if (k >= text.size() || (text[k] != ':' && text[k] != '='))
                continue;
            ++k;
            while (k < text.size() && (text[k] == ' ' || text[k] == '"'))
                ++k;
            out.append(text.substr(i, k - i));
            // Keep the scheme word (Bearer, Basic) when followed by a credential.
            std::size_t s = k;
            while (s < text.size() && std::isalpha(static_cast<unsigned char>(text[s])))
                ++s;
            if (s < text.size() && text[s] == ' ' && s > k) {
                out.append(text.substr(k, s - k + 1));
                k = s + 1;
            }
            std::size_t end = k;
            while (end < text.size() && text[end] != ';' && text[end] != '\n' && text[end] != '"' &&
                   text[end] != ',')
                ++end;
            if (end > k)
                out.append("***");
            i = end;
            matched = true;
            break;
        }
        if (!matched)
            out.push_back(text[i++]);
    }
    return out;
}

// "Bearer <token>" / "Basic <token>" anywhere.
std::string mask_schemes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool matched = false;
        for (std::string_view word : {std::string_view{"bearer "}, std::string_view{"basic "}}) {
            if ((i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))) &&
                iequal_prefix(text, i, word)) {
                std::size_t k = i + word.size();
                while (k < text.size() && text[k] == ' ')
                    ++k;
                std::size_t end = k;
                while (end < text.size() && is_token_char(text[end]))
                    ++end;
                if (end == k || text.substr(k, end - k) == "***")
                    break;
                out.append(text.substr(i, k - i));
                out.append("***");
                i = end;
                matched = true;
                break;
            }
        }
        if (!matched)
            out.push_back(text[i++]);
    }
    return out;
}

std::string mask_card_numbers(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (std::isdigit(static_cast<unsigned char>(text[i]))) {
            std::size_t j = i;
            while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])))
                ++j;
            const std::string_view run = text.substr(i, j - i);
            if (run.size() >= 13 && run.size() <= 19 && luhn_ok(run))
                out.append("****").append(run.substr(run.size() - 4));
            else
                out.append(run);
            i = j;
        } else {
            out.push_back(text[i++]);
        }
    }
    return out;
}

void default_sink(const LogLine& line) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::fprintf(stderr, "[%s] %.*s: %.*s\n", to_string(line.level),
                 static_cast<int>(line.origin.size()), line.origin.data(),
                 static_cast<int>(line.text.size()), line.text.data());
}

} // namespace

std::string redact_patterns(std::string_view text) {
    return mask_card_numbers(mask_schemes(mask_authorization(text)));
}

Logger::Logger(LogSink sink, LogLevel min_level, LogRepeats::Options repeats)
    : sink_{sink ? std::move(sink) : LogSink{&default_sink}}, min_level_{min_level},
      repeats_{repeats} {}

bool Logger::enabled(LogLevel level) const noexcept {
    return rank(level) >= rank(min_level_);
}

void Logger::set_secrets(const std::string& owner, std::vector<std::string> values) {
    std::unique_lock lock(secrets_mutex_);
    values.erase(std::remove_if(values.begin(), values.end(),
                                [](const std::string& v) { return v.size() < 4; }),
                 values.end());
    if (values.empty())
        secrets_by_owner_.erase(owner);
    else
        secrets_by_owner_[owner] = std::move(values);
    all_secrets_.clear();
    for (const auto& [_, list] : secrets_by_owner_)
        all_secrets_.insert(all_secrets_.end(), list.begin(), list.end());
    std::sort(all_secrets_.begin(), all_secrets_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    all_secrets_.erase(std::unique(all_secrets_.begin(), all_secrets_.end()), all_secrets_.end());
}

std::string Logger::redact(std::string_view text) const {
    std::string out{text};
    {
        std::shared_lock lock(secrets_mutex_);
        for (const std::string& secret : all_secrets_) {
            std::size_t at = 0;
            while ((at = out.find(secret, at)) != std::string::npos) {
                out.replace(at, secret.size(), "***");
                at += 3;
            }
        }
    }
    return redact_patterns(out);
}

void Logger::write(LogLevel level, std::string_view origin, std::string_view text) noexcept {
    if (!enabled(level))
        return;
    try {
        std::string clean = redact(text);
        // One line: control characters (a plugin may log anything) become spaces.
        for (char& c : clean)
            if (c == '\n' || c == '\r')
                c = ' ';
        if (origin.starts_with("plugin:")) {
            std::vector<LogRepeats::HeldBack> due;
            const bool now_written =
                repeats_.admit(level, origin, clean, std::chrono::steady_clock::now(), due);
            write_held_back(due);
            if (!now_written)
                return;
        }
        sink_(LogLine{level, origin, clean});
    } catch (...) {
        // A failing sink must never take the caller (a plugin thread, an io thread) down.
    }
}

void Logger::flush_repeats(std::chrono::steady_clock::time_point now, bool everything) noexcept {
    try {
        write_held_back(everything ? repeats_.take_all() : repeats_.take_due(now));
    } catch (...) {
    }
}

void Logger::write_held_back(const std::vector<LogRepeats::HeldBack>& held) noexcept {
    for (const auto& h : held) {
        try {
            const std::string text = LogRepeats::summary_text(h);
            sink_(LogLine{h.level, h.origin, text});
        } catch (...) {
        }
    }
}

} // namespace pms::host::detail
