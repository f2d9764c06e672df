/*
 * err.c - lx_strerror() and lx_err_name(), generated from LX_ERR_MAP.
 *
 * Nothing here allocates; the strings are static. Unknown codes map to a
 * fixed text rather than NULL so callers can always print the result.
 */
#include "core/lx_internal.h"

const char *lx_strerror(int err)
{
    switch (err) {
#define LX__ERR_MSG(name, value, msg)                                          \
    case (value):                                                              \
        return (msg);
        LX_ERR_MAP(LX__ERR_MSG)
#undef LX__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *lx_err_name(int err)
{
    switch (err) {
#define LX__ERR_NAME(name, value, msg)                                         \
    case (value):                                                              \
        return "LX_ERR_" #name;
        LX_ERR_MAP(LX__ERR_NAME)
#undef LX__ERR_NAME
    default:
        return "LX_ERR_UNKNOWN";
    }
}

const char *lx_version(void)
{
    return LX_VERSION_STRING;
}
