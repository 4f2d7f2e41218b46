/* SPDX-License-Identifier: MIT */
/* `--set key=value` on a scenario's YAML document, and the document written back out. */
#ifndef EDGEMU_TOPO_OVERRIDE_H
#define EDGEMU_TOPO_OVERRIDE_H

#include <stddef.h>
#include <yaml.h>

#define TOPO_SET_DEPTH_MAX 16  /* parts of a --set key: a.b.c is 3 */
#define TOPO_SET_LEN_MAX 65536 /* bytes of key=value */

/*
 * Applies "a.b.c=value": mapping keys by name, list items by index (links.2.delay=5ms); the
 * value replaces what is there or is added (with any sections on the way), as a plain
 * scalar that the parser then checks like any value of the file. -EINVAL with msg saying
 * what is wrong (no '=', an index that is not digits or out of range, a key inside a plain
 * value, not UTF-8, too long or too deep); -ENOMEM.
 */
int topo_yaml_override(yaml_document_t *doc, const char *assign, char *msg, size_t len);

/*
 * The document as YAML text (comments are gone; values as given). libyaml's emitter consumes
 * the document: it is deleted either way. *ret is malloc'd.
 */
int topo_yaml_dump(yaml_document_t *doc, char **ret, size_t *ret_len);

#endif
