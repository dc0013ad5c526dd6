#define _GNU_SOURCE
#include "CDeviceMapper.h"

#include <errno.h>
#include <linux/dm-ioctl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

static dmsnap_dm_log_sink current_sink;
static int current_max_level;
/* Only the thread that installed the sink reports to it: liblvm2cmd, on
   another thread, also logs through libdevmapper. */
static pthread_t sink_owner;

/* libdevmapper ORs flags such as _LOG_STDERR (0x80) into the level. */
#define DMSNAP_LOG_LEVEL_MASK 0x0f

static void dmsnap_dm_log(int level, const char *file, int line, int dm_errno,
                          const char *format, ...) {
    (void)file;
    (void)line;
    int plain_level = level & DMSNAP_LOG_LEVEL_MASK;
    dmsnap_dm_log_sink sink = current_sink;
    if (sink == NULL || plain_level > current_max_level || !pthread_equal(pthread_self(), sink_owner)) {
        return;
    }
    char message[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    sink(plain_level, dm_errno, message);
}

void dmsnap_dm_log_capture(dmsnap_dm_log_sink sink, int max_level) {
    sink_owner = pthread_self();
    current_sink = sink;
    current_max_level = max_level;
    dm_log_with_errno_init(sink == NULL ? NULL : dmsnap_dm_log);
}

const char *dmsnap_dm_names_name(const struct dm_names *names) {
    return names->name;
}

uint64_t dmsnap_dm_names_dev(const struct dm_names *names) {
    return names->dev;
}

const struct dm_names *dmsnap_dm_names_next(const struct dm_names *names) {
    if (names->next == 0) {
        return NULL;
    }
    return (const struct dm_names *)((const char *)names + names->next);
}

uint32_t dmsnap_dm_deps_count(const struct dm_deps *deps) {
    return deps->count;
}

uint64_t dmsnap_dm_deps_device(const struct dm_deps *deps, uint32_t index) {
    return deps->device[index];
}

uint32_t dmsnap_dev_major(uint64_t dev) {
    return major((dev_t)dev);
}

uint32_t dmsnap_dev_minor(uint64_t dev) {
    return minor((dev_t)dev);
}

static pthread_mutex_t libdm_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void dmsnap_libdm_lock(void) { pthread_mutex_lock(&libdm_mutex); }

void dmsnap_libdm_unlock(void) { pthread_mutex_unlock(&libdm_mutex); }

/* A suspend that bypasses libdevmapper, whose global state makes it unsafe to
   call from several threads at once. */
int dmsnap_dm_suspend_direct(int control, const char *name, int skip_lockfs, int no_flush) {
    struct dm_ioctl io;
    memset(&io, 0, sizeof io);
    if (strlen(name) >= sizeof io.name) {
        return -ENAMETOOLONG;
    }
    io.version[0] = DM_VERSION_MAJOR;
    io.data_size = sizeof io;
    io.data_start = sizeof io;
    io.flags = DM_SUSPEND_FLAG | (skip_lockfs ? DM_SKIP_LOCKFS_FLAG : 0) | (no_flush ? DM_NOFLUSH_FLAG : 0);
    strcpy(io.name, name);
    return ioctl(control, DM_DEV_SUSPEND, &io) == 0 ? 0 : -errno;
}

void dmsnap_malloc_share_main_arena(void) {
    mallopt(M_ARENA_MAX, 1);
}
