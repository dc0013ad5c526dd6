#include "CLVM2Cmd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static void (*log_fn_symbol)(lvm2_log_fn_t);
static void *(*init_symbol)(void);
static int (*run_symbol)(void *, const char *);
static void (*exit_symbol)(void *);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void) {
    /* RTLD_LOCAL: nothing else resolves against it. libdevmapper, which it
       needs, is the copy dmsnap already has loaded. */
    void *library = dlopen(DMSNAP_LVM2CMD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason ? reason : "dlopen failed");
        return;
    }
    *(void **)&log_fn_symbol = dlsym(library, "lvm2_log_fn");
    *(void **)&init_symbol = dlsym(library, "lvm2_init");
    *(void **)&run_symbol = dlsym(library, "lvm2_run");
    *(void **)&exit_symbol = dlsym(library, "lvm2_exit");
    if (!log_fn_symbol || !init_symbol || !run_symbol || !exit_symbol) {
        snprintf(load_error, sizeof load_error, "%s lacks one of lvm2_log_fn, lvm2_init, lvm2_run, lvm2_exit",
                 DMSNAP_LVM2CMD_SONAME);
        init_symbol = NULL;
    }
}

int dmsnap_lvm2cmd_load(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (init_symbol != NULL) {
        return 0;
    }
    if (error != NULL && error_size > 0) {
        snprintf(error, error_size, "%s", load_error);
    }
    return -1;
}

void dmsnap_lvm2_log_fn(lvm2_log_fn_t log_fn) { log_fn_symbol(log_fn); }
void *dmsnap_lvm2_init(void) { return init_symbol(); }
int dmsnap_lvm2_run(void *handle, const char *cmdline) { return run_symbol(handle, cmdline); }
void dmsnap_lvm2_exit(void *handle) { exit_symbol(handle); }
