// The pms-host command line: what each flag means, its default, and the parser. Parsing is a
// pure function of argv so that a wrong flag is reported before anything is opened or bound.
#pragma once

#include "log_output.hpp"

#include <pms/host/mail/smtp_config.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pms::host::app {

/// `--enable PLUGIN_ID:PROPERTY`
struct EnablePreset {
    std::string plugin_id;
    std::string property;
};

/// `--setting PLUGIN_ID:PROPERTY:key=value` or `--secret ...` (same shape). A secret's value
/// may be `@FILE` (read from the file, one trailing newline dropped) or `env:NAME` (read from
/// the environment variable), so that it never appears in the process list.
struct SettingPreset {
    std::string plugin_id;
    std::string property;
    std::string key;   ///< a top-level name ("shop_id") or a JSON Pointer ("/a/0/b")
    std::string value; ///< raw text; coerced to the schema's type when applied
    bool secret = false;
};

struct Options {
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 0;     ///< 0 = any free port
    std::filesystem::path data_dir;    ///< empty = ./pms-host-data
    std::filesystem::path plugins_dir; ///< empty = default next to the executable
    std::filesystem::path web_root;    ///< empty = default next to the executable
    bool seed_demo = false;
    std::filesystem::path extra_ca; ///< empty = system trust store only
    unsigned threads = 2;
    std::string public_url; ///< empty = the listen URL
    bool fake_clock = false;
    std::vector<EnablePreset> enables;
    std::vector<SettingPreset> settings; ///< settings and secrets, in command-line order
    std::string log_level = "info";      ///< debug, info, warning, error
    /// `--log-file PATH`, `--log-max-size SIZE`, `--log-keep N`: log to a size-rotated file
    /// instead of stderr.
    LogFileOptions log_file;
    /// `--smtp URL`: send plugin mail over SMTP (parsed and validated); unset = the outbox.
    std::optional<pms::host::mail::SmtpConfig> smtp;
    /// `--mail-from ADDRESS`: the sender of host mail; empty = the --smtp URL's `from=`, else
    /// "pms-host@localhost".
    std::string mail_from;
    /// `--hooks-listen ADDR:PORT`: a second listener serving /hooks/... only.
    std::optional<std::pair<std::string, std::uint16_t>> hooks_listen;
    /// `--hooks-public-url URL`: the public base of the notification endpoint.
    std::string hooks_public_url;
    /// `--allow-host NAME[:PORT]`: more Host names the staff door answers to.
    std::vector<std::string> allowed_hosts;
    /// `--session-idle SECONDS`, `--session-max-age SECONDS`: staff session expiry (0 = default).
    unsigned long session_idle_s = 0;
    unsigned long session_max_age_s = 0;
    /// `--max-streams-per-session N`, `--max-streams N`: live-event stream caps (0 = default).
    unsigned long streams_per_session = 0;
    unsigned long streams_total = 0;
    /// `--max-views-per-session N`, `--max-views N`, `--view-idle SECONDS` (0 = default).
    unsigned long views_per_session = 0;
    unsigned long views_total = 0;
    unsigned long view_idle_s = 0;
    bool help = false;
};

/// Replaces every `--config FILE` in `args` by the options the file holds, in place, so that
/// later command-line flags override it. The file has one option per line, as on the command
/// line (`--listen 0.0.0.0:8080`, `--seed-demo`) or as `listen = 0.0.0.0:8080`; the value is
/// the rest of the line, taken literally (no quotes); blank lines and lines starting with '#'
/// are skipped. Returns the expanded
/// arguments or a message naming the file and line. Values are never echoed (a file may hold
/// `secret` presets).
[[nodiscard]] std::variant<std::vector<std::string>, std::string>
expand_config_files(const std::vector<std::string>& args);

/// Parses argv (argv[0] excluded). Returns the options or a message naming the bad argument.
/// Secret values are never part of the message.
[[nodiscard]] std::variant<Options, std::string>
parse_options(const std::vector<std::string>& args);

/// "1048576", "512K", "64M", "1G" (binary units). False when malformed or zero.
[[nodiscard]] bool parse_byte_size(std::string_view text, std::uint64_t& out);

/// The --help text.
[[nodiscard]] std::string usage();

} // namespace pms::host::app
