#ifndef DMSNAP_CDEVICEMAPPER_H
#define DMSNAP_CDEVICEMAPPER_H

#include <stdint.h>
#include <libdevmapper.h>

/// Receives one formatted libdevmapper log message.
/// `level` is libdevmapper's (3 error, 4 warning, 5 notice, ...), flags removed.
typedef void (*dmsnap_dm_log_sink)(int level, int dm_errno, const char *message);

/// Routes libdevmapper's log through `sink` (NULL restores libdevmapper's own
/// logger). Messages above `max_level` are dropped before they are formatted.
void dmsnap_dm_log_capture(dmsnap_dm_log_sink sink, int max_level);

/// `struct dm_names` ends in a flexible array member that Swift cannot import.
const char *dmsnap_dm_names_name(const struct dm_names *names);
uint64_t dmsnap_dm_names_dev(const struct dm_names *names);
/// The entry after `names`, or NULL after the last one.
const struct dm_names *dmsnap_dm_names_next(const struct dm_names *names);

/// `struct dm_deps` also ends in a flexible array member.
uint32_t dmsnap_dm_deps_count(const struct dm_deps *deps);
uint64_t dmsnap_dm_deps_device(const struct dm_deps *deps, uint32_t index);

/// The kernel's device number encoding, as libdevmapper reports it.
uint32_t dmsnap_dev_major(uint64_t dev);
uint32_t dmsnap_dev_minor(uint64_t dev);

/// One process-wide lock over the DeviceMapper layer's libdevmapper calls.
/// Recursive: a caller already holding it may take it again. liblvm2cmd does
/// not take it (an LVM command can wait on udev for a device another thread
/// must resume first); the log sink only hears the thread that installed it.
void dmsnap_libdm_lock(void);
void dmsnap_libdm_unlock(void);

/// DM_DEV_SUSPEND on `control` (an open /dev/mapper/control), without
/// libdevmapper: safe to call from several threads at once. 0, or -errno.
int dmsnap_dm_suspend_direct(int control, const char *name, int skip_lockfs, int no_flush);

/// From now on, threads that malloc share the main arena instead of each
/// mapping one of its own (glibc's M_ARENA_MAX of 1).
void dmsnap_malloc_share_main_arena(void);

#endif
