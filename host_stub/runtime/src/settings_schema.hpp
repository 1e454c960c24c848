// The settings schema of a plugin (pms.settings-schema/1), in the JSON Schema subset of
// plugin_api/schema/settings-schema-subset.md: checked when the plugin hands it over, used to
// validate candidate settings, to fill defaults, and to keep secrets ("x-secret": true)
// write-only: split out of the saved document, kept when saved blank, filled back in for the
// plugin's validate() and run_action(). A secret may be bound to other fields
// ("x-secret-bound-to"): when a candidate changes one of them, the stored secret is not filled
// in, so it can never be sent somewhere the admin did not save it for.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pms::host::detail {

/// JSON Pointer escaping of one reference token (RFC 6901).
[[nodiscard]] std::string pointer_token(std::string_view key);

class SettingsSchema {
  public:
    /// Parses and checks the schema. Returns the reason when it is outside the subset.
    static std::variant<SettingsSchema, std::string> parse(std::string_view text);

    [[nodiscard]] const std::string& text() const noexcept { return text_; }
    [[nodiscard]] const boost::json::object& root() const noexcept { return root_; }

    /// The root "default" values (before the first save).
    [[nodiscard]] boost::json::object defaults() const;

    /// Checks `candidate` against the schema. `secret_stored(pointer)` says whether a blank
    /// secret at `pointer` has a stored value (then "required" is satisfied). Adds one message
    /// per failing field pointer to `errors` ("" = the whole form).
    void validate(const boost::json::value& candidate,
                  const std::function<bool(const std::string&)>& secret_stored,
                  std::map<std::string, std::string>& errors) const;

    struct Split {
        boost::json::object document; ///< without secret members
        /// Every secret field present in the candidate: pointer -> value ("" = keep stored).
        std::vector<std::pair<std::string, std::string>> secrets;
    };
    /// Separates secrets from the rest. `candidate` must have passed validate().
    [[nodiscard]] Split split(const boost::json::object& candidate) const;

    /// `candidate` with each blank or missing secret replaced by `stored(pointer)` when it has
    /// a value, except the secrets whose pointers are in `withhold`.
    [[nodiscard]] boost::json::object
    with_secrets(const boost::json::object& candidate,
                 const std::function<std::optional<std::string>(const std::string&)>& stored,
                 const std::set<std::string>& withhold = {}) const;

    /// A secret with "x-secret-bound-to" whose bound fields the candidate changed.
    struct Rebound {
        std::string secret;               ///< JSON Pointer of the secret in the candidate
        std::vector<std::string> changed; ///< JSON Pointers of the bound fields that changed
        bool left_blank = true;           ///< the candidate has no value for the secret
        /// «Введите «<secret title>» заново: изменено поле «<field title>»» (schema titles).
        std::string message;
    };
    /// Every secret of the candidate (one per array item) bound to a field whose value in
    /// `candidate` differs from the one in `stored` (the saved document). A blank or missing
    /// value counts as the field's schema "default" (or as absent without one), so leaving a
    /// defaulted field out is not a change. Secrets with nothing changed are not listed.
    [[nodiscard]] std::vector<Rebound> rebound_secrets(const boost::json::object& candidate,
                                                       const boost::json::object& stored) const;

  private:
    std::string text_;
    boost::json::object root_;
};

} // namespace pms::host::detail
