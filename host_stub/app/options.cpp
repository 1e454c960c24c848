// See options.hpp.
#include "options.hpp"

#include <pms/host/server/host_server.hpp>

#include <charconv>
#include <fstream>
#include <string_view>

namespace pms::host::app {
namespace {

bool parse_unsigned(std::string_view text, unsigned long max, unsigned long& out) {
    if (text.empty())
        return false;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, out);
    return result.ec == std::errc{} && result.ptr == end && out <= max;
}

// "HOST:PORT", "[v6]:PORT" or ":PORT"; the port 0..65535.
std::optional<std::string> parse_listen(std::string_view text, Options& options) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return "--listen expects ADDRESS:PORT, e.g. 127.0.0.1:8080";
    std::string_view host = text.substr(0, colon);
    unsigned long port = 0;
    if (!parse_unsigned(text.substr(colon + 1), 65535, port))
        return "--listen: the port must be a number 0..65535";
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    options.listen_address = host.empty() ? "127.0.0.1" : std::string{host};
    options.listen_port = static_cast<std::uint16_t>(port);
    return std::nullopt;
}

std::optional<std::string> parse_enable(std::string_view text, Options& options) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
        return "--enable expects PLUGIN_ID:PROPERTY";
    options.enables.push_back(
        {std::string{text.substr(0, colon)}, std::string{text.substr(colon + 1)}});
    return std::nullopt;
}

std::optional<std::string> parse_setting(std::string_view flag, std::string_view text, bool secret,
                                         Options& options) {
    const std::string error = std::string{flag} + " expects PLUGIN_ID:PROPERTY:key=value";
    const auto first = text.find(':');
    if (first == std::string_view::npos || first == 0)
        return error;
    const auto second = text.find(':', first + 1);
    if (second == std::string_view::npos || second == first + 1)
        return error;
    const auto assignment = text.substr(second + 1);
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return error;
    SettingPreset preset;
    preset.plugin_id = std::string{text.substr(0, first)};
    preset.property = std::string{text.substr(first + 1, second - first - 1)};
    preset.key = std::string{assignment.substr(0, eq)};
    preset.value = std::string{assignment.substr(eq + 1)};
    preset.secret = secret;
    options.settings.push_back(std::move(preset));
    return std::nullopt;
}

// local@domain in printable ASCII, without spaces or the characters that end an address.
bool plausible_address(std::string_view a) {
    const auto at = a.rfind('@');
    if (a.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 == a.size())
        return false;
    for (const char c : a)
        if (c <= ' ' || c >= 127 || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
            return false;
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// Appends the options of one config file to `out`; a message on failure.
std::optional<std::string> read_config_file(const std::string& path, std::vector<std::string>& out) {
    std::ifstream in{path};
    if (!in)
        return "--config: cannot read " + path;
    std::string raw;
    for (unsigned line_no = 1; std::getline(in, raw); ++line_no) {
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        // "--listen 127.0.0.1:8080" as on the command line, or "listen = 127.0.0.1:8080".
        const auto body = line.starts_with("--") ? line.substr(2) : line;
        const auto split = body.find_first_of(" \t=");
        const auto name = body.substr(0, split);
        const auto where = path + ":" + std::to_string(line_no);
        if (name.empty() || name.starts_with("-"))
            return where + ": expected an option such as `--listen 127.0.0.1:8080`";
        if (name == "config")
            return where + ": a config file cannot include another";
        out.push_back("--" + std::string{name});
        if (split == std::string_view::npos)
            continue;
        auto rest = trim(body.substr(split));
        if (!rest.empty() && rest.front() == '=')
            rest = trim(rest.substr(1));
        if (!rest.empty())
            out.emplace_back(rest);
    }
    return std::nullopt;
}

} // namespace

bool parse_byte_size(std::string_view text, std::uint64_t& out) {
    std::uint64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 'K':
        case 'k':
            unit = 1ull << 10;
            break;
        case 'M':
        case 'm':
            unit = 1ull << 20;
            break;
        case 'G':
        case 'g':
            unit = 1ull << 30;
            break;
        default:
            break;
        }
        if (unit != 1)
            text.remove_suffix(1);
    }
    std::uint64_t n = 0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, n);
    if (text.empty() || result.ec != std::errc{} || result.ptr != end || n == 0 ||
        n > UINT64_MAX / unit)
        return false;
    out = n * unit;
    return true;
}

std::variant<std::vector<std::string>, std::string>
expand_config_files(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string path;
        if (args[i] == "--config") {
            if (i + 1 >= args.size())
                return std::string{"--config needs a value"};
            path = args[++i];
        } else if (args[i].starts_with("--config=")) {
            path = args[i].substr(9);
        } else {
            out.push_back(args[i]);
            continue;
        }
        if (auto error = read_config_file(path, out))
            return *error;
    }
    return out;
}

std::variant<Options, std::string> parse_options(const std::vector<std::string>& args) {
    Options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view flag = args[i];
        std::string inline_value;
        bool has_inline = false;
        // Both "--flag value" and "--flag=value" are accepted.
        if (flag.starts_with("--")) {
            if (const auto eq = flag.find('='); eq != std::string_view::npos) {
                inline_value = std::string{flag.substr(eq + 1)};
                flag = flag.substr(0, eq);
                has_inline = true;
            }
        }
        auto value = [&](std::string& out) -> bool {
            if (has_inline) {
                out = inline_value;
                return true;
            }
            if (i + 1 >= args.size())
                return false;
            out = args[++i];
            return true;
        };
        const std::string missing = std::string{flag} + " needs a value";
        std::string v;
        std::optional<std::string> error;

        if (flag == "--help" || flag == "-h") {
            options.help = true;
        } else if (flag == "--seed-demo") {
            options.seed_demo = true;
        } else if (flag == "--fake-clock") {
            options.fake_clock = true;
        } else if (flag == "--listen") {
            error = value(v) ? parse_listen(v, options) : missing;
        } else if (flag == "--data") {
            error = value(v) ? std::nullopt : std::optional{missing};
            options.data_dir = v;
        } else if (flag == "--plugins") {
            error = value(v) ? std::nullopt : std::optional{missing};
            options.plugins_dir = v;
        } else if (flag == "--web-root") {
            error = value(v) ? std::nullopt : std::optional{missing};
            options.web_root = v;
        } else if (flag == "--extra-ca") {
            error = value(v) ? std::nullopt : std::optional{missing};
            options.extra_ca = v;
        } else if (flag == "--public-url") {
            error = value(v) ? std::nullopt : std::optional{missing};
            while (v.size() > 1 && v.back() == '/')
                v.pop_back();
            options.public_url = v;
        } else if (flag == "--threads") {
            unsigned long n = 0;
            if (!value(v))
                error = missing;
            else if (!parse_unsigned(v, 64, n) || n == 0)
                error = "--threads must be 1..64";
            options.threads = static_cast<unsigned>(n);
        } else if (flag == "--log-level") {
            if (!value(v))
                error = missing;
            else if (v != "debug" && v != "info" && v != "warning" && v != "error")
                error = "--log-level must be debug, info, warning or error";
            options.log_level = v;
        } else if (flag == "--log-file") {
            error = value(v) && !v.empty() ? std::nullopt : std::optional{missing};
            options.log_file.path = v;
        } else if (flag == "--log-max-size") {
            if (!value(v))
                error = missing;
            else if (!parse_byte_size(v, options.log_file.max_bytes))
                error = "--log-max-size expects a size such as 64M, 512K or 1048576";
        } else if (flag == "--log-keep") {
            unsigned long n = 0;
            if (!value(v))
                error = missing;
            else if (!parse_unsigned(v, 100, n))
                error = "--log-keep must be a number 0..100";
            options.log_file.keep = static_cast<unsigned>(n);
        } else if (flag == "--smtp") {
            if (!value(v)) {
                error = missing;
            } else {
                // The detail names the problem, never the password; the URL is not echoed.
                auto parsed = pms::host::mail::parse_smtp_config(v);
                if (parsed.ec)
                    error = "--smtp: " + parsed.detail +
                            " (expected smtp[s]://[user[:password]@]host[:port][?key=value&...])";
                else
                    options.smtp = std::move(parsed.config);
            }
        } else if (flag == "--mail-from") {
            if (!value(v))
                error = missing;
            else if (!plausible_address(v))
                error = "--mail-from expects an e-mail address, e.g. pms@hotel.example";
            options.mail_from = v;
        } else if (flag == "--hooks-listen") {
            Options scratch;
            error = value(v) ? parse_listen(v, scratch) : missing;
            if (error)
                error = "--hooks-listen" + error->substr(std::string_view{"--listen"}.size());
            else
                options.hooks_listen = std::pair{scratch.listen_address, scratch.listen_port};
        } else if (flag == "--hooks-public-url") {
            error = value(v) ? std::nullopt : std::optional{missing};
            while (v.size() > 1 && v.back() == '/')
                v.pop_back();
            options.hooks_public_url = v;
        } else if (flag == "--allow-host") {
            error = value(v) && !v.empty() ? std::nullopt : std::optional{missing};
            options.allowed_hosts.push_back(v);
        } else if (auto* limit = flag == "--session-idle"              ? &options.session_idle_s
                                 : flag == "--session-max-age"         ? &options.session_max_age_s
                                 : flag == "--max-streams-per-session" ? &options.streams_per_session
                                 : flag == "--max-streams"             ? &options.streams_total
                                 : flag == "--max-views-per-session"   ? &options.views_per_session
                                 : flag == "--max-views"               ? &options.views_total
                                 : flag == "--view-idle"               ? &options.view_idle_s
                                                                       : nullptr) {
            unsigned long n = 0;
            if (!value(v))
                error = missing;
            else if (!parse_unsigned(v, 10'000'000, n) || n == 0)
                error = std::string{flag} + " must be a positive whole number";
            *limit = n;
        } else if (flag == "--enable") {
            error = value(v) ? parse_enable(v, options) : missing;
        } else if (flag == "--setting") {
            error = value(v) ? parse_setting(flag, v, false, options) : missing;
        } else if (flag == "--secret") {
            error = value(v) ? parse_setting(flag, v, true, options) : missing;
        } else {
            error = "unknown argument '" + std::string{flag} + "' (see --help)";
        }
        if (error)
            return *error;
    }
    return options;
}

namespace {

/// The access caps' lines of --help, their defaults read from AccessLimits, the one place they
/// are set (issue 14: a default written twice drifts).
std::string access_limit_lines() {
    const server::AccessLimits d;
    auto n = [](auto v) { return std::to_string(v); };
    return "  --session-idle SECONDS  end a staff session after this long without a request (default " +
           n(d.session_idle.count()) + ")\n"
           "  --session-max-age SECONDS  end it this long after sign-in (default " + n(d.session_max_age.count()) + ")\n"
           "  --max-streams-per-session N, --max-streams N  live-event stream caps (default " +
           n(d.streams_per_session) + " and " + n(d.streams_total) + ")\n"
           "  --max-views-per-session N, --max-views N  open plugin dialogs (default " + n(d.views_per_session) +
           " and " + n(d.views_total) + ")\n"
           "  --view-idle SECONDS     close a plugin dialog unused this long (default " + n(d.view_idle.count()) + ")\n";
}

} // namespace

std::string usage() {
    return R"(Usage: pms-host [options]

  --listen ADDR:PORT      listen address (default 127.0.0.1:0; port 0 picks a free port)
  --data DIR              data folder: SQLite database and mail outbox (default ./pms-host-data)
  --plugins DIR           plugin folder (default: <exe>/../plugins, else <exe>/../lib/pms-host/plugins)
  --web-root DIR          web UI files (default: <exe>/../share/pms-host/web, else the source tree's
                          host_stub/web when run from the build tree)
  --seed-demo             create the demo hotel (booking 471887) when it is missing
  --extra-ca FILE         also trust this CA (PEM) for outbound HTTPS
  --threads N             io threads (default 2)
  --public-url URL        how the outside world reaches this host; used for notification URLs
  --fake-clock            start a controllable clock at 2025-03-14T10:00:00Z (tests)
  --enable PLUGIN:PROP    enable a plugin for a property (PROP: id or name); repeatable
  --setting PLUGIN:PROP:key=value   pre-set a setting (before the plugin is activated)
  --secret  PLUGIN:PROP:key=@FILE   pre-set a secret read from FILE (never logged); also
                          key=env:NAME (from the environment) or key=value (visible to ps:
                          avoid outside tests)
  --hooks-listen ADDR:PORT  a second listener that serves only /hooks/... (the notification
                          endpoint to expose through a reverse proxy); the staff UI stays on
                          --listen
  --hooks-public-url URL  how providers reach /hooks/... (default: --public-url, else the
                          hooks listener's own address); notification URLs are built from it
  --allow-host NAME[:PORT]  another Host name the staff UI answers to (repeatable); by default
                          only the listen address (and localhost for a loopback or wildcard
                          address) and --public-url's host are answered
)" + access_limit_lines() + R"(  --log-level LEVEL       debug, info, warning or error (default info)
  --log-file PATH         log to PATH instead of stderr, rotated by size (under systemd leave
                          it unset: stderr goes to the journal, which rotates on its own)
  --log-max-size SIZE     rotate the log file before it passes SIZE (default 64M; K, M, G)
  --log-keep N            rotated files kept as PATH.1 … PATH.N (default 5)
  --config FILE           read options from FILE, one per line as on the command line
                          (`--listen 0.0.0.0:8080`, `# comment`); later flags override
  --smtp URL              send plugin mail over SMTP instead of writing it to <data>/outbox, e.g.
                          smtp://user:pass@127.0.0.1:1025?starttls=0&from=pms@hotel.example
                          (smtps:// for TLS from connect; keys: starttls=0|1|required, from,
                          from_name, ca_file, connect_timeout, timeout, allow_plain_auth)
  --mail-from ADDRESS     sender address of all plugin mail, over the admins' «Почта» settings
                          (default: the --smtp URL's from=; without either, each property's
                          settings, else its name and no-reply@<--public-url host>)
  --help                  this text

Staff accounts (the same --data folder; the password is read from the terminal or stdin):
  pms-host user add LOGIN --role admin|front_desk|accountant --name "Full name"
  pms-host user list
  pms-host user disable LOGIN | enable LOGIN
  pms-host user passwd LOGIN

The first line on stdout is "pms-host listening on http://ADDR:PORT".
SIGINT/SIGTERM stop the host cleanly (exit code 0).
)";
}

} // namespace pms::host::app
