#ifndef DMSNAP_CZSTD_H
#define DMSNAP_CZSTD_H
// libzstd's one-shot frame API (ZSTD_compressCCtx, ZSTD_decompressDCtx), from Debian's libzstd-dev.
#include <zstd.h>
#endif
