// Boost.JSON's compiled part, in this module and nowhere else.
//
// Out of tree there is no shared Boost build to link (pms-plugin-api-dev brings Boost headers
// only), so the plugin compiles Boost.JSON itself, once, in its own translation unit: editing
// hello_button.cpp then does not recompile the library. pms_add_plugin's hidden visibility and
// version script keep these symbols inside the module, so another plugin's (or the host's) copy
// of Boost.JSON — maybe another version, another standard library — never meets this one.
#include <boost/json/src.hpp>
