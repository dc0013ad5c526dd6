#ifndef DMSNAP_CLVM2CMD_H
#define DMSNAP_CLVM2CMD_H

/* liblvm2cmd, opened on first use. Linked at start-up it brought eleven more
   libraries (libsystemd, libgcrypt, the compressors...) into every dmsnap
   command, whether or not it touched LVM; under an emulated CPU their loading
   and relocation was a good part of a native-disk command's start-up. */

#include <lvm2cmd.h>
#include <stddef.h>

/* The library's soname, as Debian's liblvm2cmd2.03 package installs it. */
#define DMSNAP_LVM2CMD_SONAME "liblvm2cmd.so.2.03"

/* Opens liblvm2cmd and resolves its functions, once per process; later calls
   return the first call's result. 0 on success; otherwise -1, with dlerror()'s
   words in `error`. */
int dmsnap_lvm2cmd_load(char *error, size_t error_size);

/* lvm2cmd.h's functions, through the pointers resolved by the load above;
   call them only after it succeeded. */
void dmsnap_lvm2_log_fn(lvm2_log_fn_t log_fn);
void *dmsnap_lvm2_init(void);
int dmsnap_lvm2_run(void *handle, const char *cmdline);
void dmsnap_lvm2_exit(void *handle);

#endif
