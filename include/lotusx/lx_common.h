/*
 * lx_common.h - definitions every public LotuSX header shares: the export
 * macro, the library version and the global init/cleanup pair.
 */
#ifndef LOTUSX_LX_COMMON_H
#define LOTUSX_LX_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(LX_BUILDING) && defined(__GNUC__)
#define LX_EXTERN __attribute__((visibility("default")))
#else
#define LX_EXTERN
#endif

#if defined(__GNUC__)
#define LX_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define LX_WARN_UNUSED       __attribute__((warn_unused_result))
#else
#define LX_PRINTF(fmt, args)
#define LX_WARN_UNUSED
#endif

#define LX_VERSION_MAJOR  0
#define LX_VERSION_MINOR  1
#define LX_VERSION_PATCH  0
#define LX_VERSION_STRING "0.1.0"

/*
 * Returns the version string of the library actually linked, which may
 * differ from LX_VERSION_STRING of the headers compiled against.
 */
LX_EXTERN const char *lx_version(void);

#endif
