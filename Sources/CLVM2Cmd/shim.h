#ifndef DMSNAP_CLVM2CMD_SHIM_H
#define DMSNAP_CLVM2CMD_SHIM_H
#include <lvm2cmd.h>
#endif
