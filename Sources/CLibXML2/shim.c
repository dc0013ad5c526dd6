#include "CLibXML2.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* libxml2's XML_PARSE_NONET: no network access, whatever the document names. */
#define DMSNAP_XML_PARSE_NONET (1 << 11)

static void *(*reader_for_fd_symbol)(int, const char *, const char *, int);
static int (*read_symbol)(void *);
static int (*node_type_symbol)(void *);
static int (*is_empty_symbol)(void *);
static const unsigned char *(*local_name_symbol)(void *);
static int (*next_attribute_symbol)(void *);
static const unsigned char *(*value_symbol)(void *);
static int (*move_to_element_symbol)(void *);
static void (*free_reader_symbol)(void *);
static void (*set_error_handler_symbol)(void *, void (*)(void *, const char *, int, void *), void *);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded;

static void load(void) {
    void *library = dlopen(DMSNAP_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason ? reason : "dlopen failed");
        return;
    }
    *(void **)&reader_for_fd_symbol = dlsym(library, "xmlReaderForFd");
    *(void **)&read_symbol = dlsym(library, "xmlTextReaderRead");
    *(void **)&node_type_symbol = dlsym(library, "xmlTextReaderNodeType");
    *(void **)&is_empty_symbol = dlsym(library, "xmlTextReaderIsEmptyElement");
    *(void **)&local_name_symbol = dlsym(library, "xmlTextReaderConstLocalName");
    *(void **)&next_attribute_symbol = dlsym(library, "xmlTextReaderMoveToNextAttribute");
    *(void **)&value_symbol = dlsym(library, "xmlTextReaderConstValue");
    *(void **)&move_to_element_symbol = dlsym(library, "xmlTextReaderMoveToElement");
    *(void **)&free_reader_symbol = dlsym(library, "xmlFreeTextReader");
    *(void **)&set_error_handler_symbol = dlsym(library, "xmlTextReaderSetErrorHandler");
    if (!reader_for_fd_symbol || !read_symbol || !node_type_symbol || !is_empty_symbol || !local_name_symbol
        || !next_attribute_symbol || !value_symbol || !move_to_element_symbol || !free_reader_symbol
        || !set_error_handler_symbol) {
        snprintf(load_error, sizeof load_error, "%s lacks one of the xmlTextReader functions", DMSNAP_LIBXML2_SONAME);
        return;
    }
    loaded = 1;
}

int dmsnap_xml_load(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (loaded) {
        return 0;
    }
    if (error != NULL && error_size > 0) {
        snprintf(error, error_size, "%s", load_error);
    }
    return -1;
}

/* xmlTextReaderErrorFunc: (arg, msg, severity, locator). */
static void keep_first_error(void *argument, const char *message, int severity, void *locator) {
    (void)severity;
    (void)locator;
    dmsnap_xml_error *error = argument;
    if (error->message[0] == 0 && message != NULL) {
        snprintf(error->message, sizeof error->message, "%s", message);
    }
}

void *dmsnap_xml_reader_for_fd(int fd, dmsnap_xml_error *error) {
    void *reader = reader_for_fd_symbol(fd, NULL, NULL, DMSNAP_XML_PARSE_NONET);
    if (reader != NULL) {
        set_error_handler_symbol(reader, keep_first_error, error);
    }
    return reader;
}
int dmsnap_xml_read(void *reader) { return read_symbol(reader); }
int dmsnap_xml_node_type(void *reader) { return node_type_symbol(reader); }
int dmsnap_xml_is_empty_element(void *reader) { return is_empty_symbol(reader); }
const char *dmsnap_xml_local_name(void *reader) { return (const char *)local_name_symbol(reader); }
int dmsnap_xml_move_to_next_attribute(void *reader) { return next_attribute_symbol(reader); }
const char *dmsnap_xml_value(void *reader) { return (const char *)value_symbol(reader); }
int dmsnap_xml_move_to_element(void *reader) { return move_to_element_symbol(reader); }
void dmsnap_xml_free_reader(void *reader) { free_reader_symbol(reader); }
