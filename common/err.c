#include "common/err.h"

const char *chr_err_name(chr_err err)
{
    switch (err) {
#define CHR_ERR_CASE(name, value, code, desc)                                                      \
    case name:                                                                                     \
        return code;
        CHR_ERR_LIST(CHR_ERR_CASE)
#undef CHR_ERR_CASE
    }
    return "unknown_error";
}

const char *chr_err_str(chr_err err)
{
    switch (err) {
#define CHR_ERR_CASE(name, value, code, desc)                                                      \
    case name:                                                                                     \
        return desc;
        CHR_ERR_LIST(CHR_ERR_CASE)
#undef CHR_ERR_CASE
    }
    return "unknown error";
}
