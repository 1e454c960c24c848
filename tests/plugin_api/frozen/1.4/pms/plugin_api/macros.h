/*
 * pms/plugin_api/macros.h — plumbing shared by every PMS plugin API header.
 *
 * Linkage, export and layout helpers. Nothing here is a type of the ABI; everything is a macro
 * so that the header stays valid C11 and C++ (11 and later).
 */
#ifndef PMS_PLUGIN_API_MACROS_H
#define PMS_PLUGIN_API_MACROS_H

#include <stddef.h>

#ifdef __cplusplus
#define PMS_EXTERN_C_BEGIN extern "C" {
#define PMS_EXTERN_C_END }
#else
#define PMS_EXTERN_C_BEGIN
#define PMS_EXTERN_C_END
#endif

/* The one symbol a plugin exports (see entry.h). Plugins are built with hidden visibility and a
 * version script (plugin_api/linker/plugin.version), so this attribute alone makes it visible. */
#if defined(__GNUC__)
#define PMS_EXPORT __attribute__((visibility("default")))
#else
#define PMS_EXPORT
#endif

/*
 * PMS_HAS_FIELD(ptr, type, field) — true when the struct at `ptr`, which starts with
 * `uint32_t struct_size`, is large enough to contain `field`.
 *
 * Root structs grow only at the end. A reader built against a newer header checks every field
 * added after 1.0 with this macro before reading it; a field beyond the writer's struct_size is
 * "absent" and must be treated as zero/NULL. `ptr` may be NULL (then the field is absent).
 * Example: if (PMS_HAS_FIELD(host, pms_host, locale)) use(host->locale);
 */
#define PMS_HAS_FIELD(ptr, type, field)                                                          \
    ((ptr) != NULL && (size_t)(ptr)->struct_size >=                                             \
                          offsetof(type, field) + sizeof(((const type *)0)->field))

/* Initialiser for a pms_str from a string literal: pms_str s = PMS_STR_LIT("abc"); */
#define PMS_STR_LIT(literal) {(literal), sizeof(literal) - 1}

#endif /* PMS_PLUGIN_API_MACROS_H */
