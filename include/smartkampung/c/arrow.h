/* smartkampung/c/arrow.h: the Arrow C Data Interface and C Stream Interface, the structs
 * through which bulk inputs and results cross the C API without JSON or copies.
 *
 * The three structs are the frozen ABI of the Apache Arrow specification ("The Arrow C
 * data interface", "The Arrow C stream interface"); they are declared here under the
 * guard macros the specification prescribes, so that a program that also includes
 * another library's declaration (nanoarrow, Arrow C++, DuckDB) sees them once.
 *
 * Ownership, as the specification has it: a struct is "released" when its `release` is
 * NULL. Whoever holds a live struct calls its `release` once when done (for a stream:
 * stream->release(stream) after the last get_next). A struct may be moved by copying it
 * and setting the source's `release` to NULL. Each area's header lists the calls that
 * give or take streams (skamp_registry_dedup_arrow, skamp_registry_add_arrow, ...). A
 * stream the library gives out owns its data: it stays valid after the handle it came
 * from is freed, and may be read from any one thread at a time. */
#ifndef SMARTKAMPUNG_C_ARROW_H
#define SMARTKAMPUNG_C_ARROW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

/** The type of an array: a format string ("u" utf8, "l" int64, "tdD" date32, "+l" list,
 *  "+s" struct, ...), a name, children and an optional dictionary. */
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

/** The data of an array: its length, null count, offset, buffers (validity bitmap first),
 *  children and optional dictionary. */
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

/** A stream of record batches (struct arrays) sharing one schema. get_schema and get_next
 *  return 0 or an errno value; get_next gives a released array at the end of the stream;
 *  get_last_error describes the last failure (valid until the next call). */
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

#ifdef __cplusplus
}
#endif

#endif
