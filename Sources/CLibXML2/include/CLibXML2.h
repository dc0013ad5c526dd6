#ifndef DMSNAP_CLIBXML2_H
#define DMSNAP_CLIBXML2_H

/* libxml2's streaming reader (xmlTextReader), opened on first use: it reads the
   XML that thin_dump and thin_delta print. Linked at start-up (as FoundationXML
   links it) it brought libxml2, ICU, liblzma and zlib into every dmsnap command,
   about 1.3 ms more per start natively, for the one command that copies. */

#include <stddef.h>

/* The library's soname, as Debian's libxml2 package installs it. */
#define DMSNAP_LIBXML2_SONAME "libxml2.so.2"

/* Opens libxml2 and resolves its functions, once per process; later calls
   return the first call's result. 0 on success; otherwise -1, with dlerror()'s
   words in `error`. */
int dmsnap_xml_load(char *error, size_t error_size);

/* libxml2's first complaint about a document, kept here instead of printed
   on dmsnap's standard error. */
typedef struct {
    char message[256];
} dmsnap_xml_error;

/* A reader over the XML read from `fd` until end of file, never fetching
   anything from the network, that keeps its first error in `error` (which
   must outlive it); NULL when libxml2 cannot make one. Call only after
   dmsnap_xml_load succeeded. */
void *dmsnap_xml_reader_for_fd(int fd, dmsnap_xml_error *error);
/* Moves to the next node: 1, 0 at the end, -1 on malformed XML. */
int dmsnap_xml_read(void *reader);
/* 1 for an element's start, 15 for its end (libxml2's xmlReaderTypes). */
int dmsnap_xml_node_type(void *reader);
/* Whether the element is written <empty/> (it then has no end node). */
int dmsnap_xml_is_empty_element(void *reader);
/* The node's local name; valid until the next read. */
const char *dmsnap_xml_local_name(void *reader);
/* Moves to the element's next attribute: 1, or 0 when there is none. */
int dmsnap_xml_move_to_next_attribute(void *reader);
/* The attribute's value; valid until the next move. */
const char *dmsnap_xml_value(void *reader);
/* Moves back from the attributes to their element. */
int dmsnap_xml_move_to_element(void *reader);
void dmsnap_xml_free_reader(void *reader);

#endif
