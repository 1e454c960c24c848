// Helpers over settings documents and their schemas (the JSON Schema subset of
// plugin_api/schema/settings-schema-subset.md), shared by the API routes and the command line
// presets: where the secrets are, removing them from a document, and setting a value at a
// JSON Pointer with the type the schema declares.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::server {

/// The JSON Pointers of every secret ("x-secret": true) that `values` can hold: "/name" for
/// root properties, "/array/<i>/name" for each item present in `values` (arrays of objects).
[[nodiscard]] std::vector<std::string> secret_pointers(const boost::json::object& schema,
                                                       const boost::json::object& values);

/// Removes every secret member from `values` (in place), wherever the schema marks one.
void strip_secrets(const boost::json::object& schema, boost::json::object& values);

/// The schema of the scalar at `pointer` ("/a", "/arr/0/b"), or nullptr.
[[nodiscard]] const boost::json::object* schema_at(const boost::json::object& schema,
                                                   std::string_view pointer);

/// Converts command-line text to the JSON type `scalar_schema` declares (integer, number,
/// boolean, string; objects/arrays are parsed as JSON). Nullopt when it does not convert.
[[nodiscard]] std::optional<boost::json::value>
coerce_to_schema_type(const boost::json::object* scalar_schema, const std::string& text);

/// Sets `value` at `pointer` in `document`, creating objects and extending arrays (with empty
/// objects) on the way. A name without a leading '/' is a root member. False when the pointer
/// crosses a scalar.
bool set_at_pointer(boost::json::object& document, std::string_view pointer,
                    boost::json::value value);

} // namespace pms::host::server
