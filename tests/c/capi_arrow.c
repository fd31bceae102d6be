/* Arrow streams of the C API from plain C99, read and written by a small consumer and
 * producer of the Arrow C interfaces written here (no Arrow library): records in
 * (registry, linkage), results out (dedup tables, records, link pairs and clusters,
 * nearest answers, certificate statuses), each checked against the JSON or array form
 * of the same call. */
#include <stdlib.h>
#include <string.h>

#include "capi_test.h"

/* ---- a consumer ------------------------------------------------------------------- */

/* A whole stream read into memory: the schema and every batch (at most 16). */
typedef struct {
  struct ArrowSchema schema;
  struct ArrowArray batches[16];
  int n_batches;
  int64_t rows;
} read_stream;

static int read_all(struct ArrowArrayStream* s, read_stream* out) {
  memset(out, 0, sizeof *out);
  if (s->release == NULL) return 0;
  if (s->get_schema(s, &out->schema) != 0) return 0;
  for (;;) {
    struct ArrowArray a;
    if (s->get_next(s, &a) != 0) return 0;
    if (a.release == NULL) break;
    if (out->n_batches == 16) {
      a.release(&a);
      return 0;
    }
    out->rows += a.length;
    out->batches[out->n_batches++] = a;
  }
  s->release(s);
  return s->release == NULL;
}

static void free_read(read_stream* r) {
  int i;
  for (i = 0; i < r->n_batches; ++i) {
    r->batches[i].release(&r->batches[i]);
    CHECK(r->batches[i].release == NULL);
  }
  if (r->schema.release != NULL) r->schema.release(&r->schema);
  CHECK(r->schema.release == NULL);
}

/* The index of a column by name, -1 when absent. */
static int column(const read_stream* r, const char* name) {
  int64_t i;
  for (i = 0; i < r->schema.n_children; ++i) {
    if (strcmp(r->schema.children[i]->name, name) == 0) return (int)i;
  }
  return -1;
}

static const char* format_of(const read_stream* r, int col) {
  return r->schema.children[col]->format;
}

/* Finds the batch of a row; *local is the row within it. */
static const struct ArrowArray* locate(const read_stream* r, int col, int64_t row, int64_t* local) {
  int b;
  for (b = 0; b < r->n_batches; ++b) {
    if (row < r->batches[b].length) {
      *local = row + r->batches[b].offset;
      return r->batches[b].children[col];
    }
    row -= r->batches[b].length;
  }
  return NULL;
}

static int is_null(const struct ArrowArray* a, int64_t i) {
  const uint8_t* bits = (const uint8_t*)a->buffers[0];
  i += a->offset;
  return bits != NULL && ((bits[i / 8] >> (i % 8)) & 1) == 0;
}

static int64_t int_at(const read_stream* r, int col, int64_t row) {
  int64_t i;
  const struct ArrowArray* a = locate(r, col, row, &i);
  const char* f = format_of(r, col);
  if (a == NULL || is_null(a, i - r->batches[0].offset)) return -999;
  i += a->offset;
  if (strcmp(f, "l") == 0 || strncmp(f, "ts", 2) == 0) return ((const int64_t*)a->buffers[1])[i];
  if (strcmp(f, "i") == 0 || strcmp(f, "tdD") == 0) return ((const int32_t*)a->buffers[1])[i];
  return -998;
}

static double double_at(const read_stream* r, int col, int64_t row) {
  int64_t i;
  const struct ArrowArray* a = locate(r, col, row, &i);
  return ((const double*)a->buffers[1])[i + a->offset];
}

/* Copies a utf8 value (plain or dictionary-encoded with int32 indices) into buf; "" for null. */
static const char* text_at(const read_stream* r, int col, int64_t row, char* buf, size_t size) {
  int64_t i;
  const struct ArrowArray* a = locate(r, col, row, &i);
  const int32_t* offsets;
  const char* chars;
  int32_t k, len;
  buf[0] = '\0';
  if (a == NULL || is_null(a, i - r->batches[0].offset)) return buf;
  i += a->offset;
  if (a->dictionary != NULL) {
    k = ((const int32_t*)a->buffers[1])[i];
    a = a->dictionary;
    i = k + a->offset;
  }
  offsets = (const int32_t*)a->buffers[1];
  chars = (const char*)a->buffers[2];
  len = offsets[i + 1] - offsets[i];
  if ((size_t)len >= size) len = (int32_t)size - 1;
  memcpy(buf, chars + offsets[i], (size_t)len);
  buf[len] = '\0';
  return buf;
}

/* ---- a producer: one batch of utf8 columns -------------------------------------------- */

typedef struct {
  int n_cols;
  int64_t n_rows;
  const char* const* names;
  const char* const* cells; /* row-major, NULL = null */
  int sent;
  /* buffers */
  int32_t* offsets[8];
  char* chars[8];
  uint8_t* validity[8];
  const void* buffer_ptrs[8][3];
  struct ArrowArray children[8];
  struct ArrowArray* child_ptrs[8];
  const void* top_buffers[1];
  struct ArrowSchema child_schemas[8];
  struct ArrowSchema* child_schema_ptrs[8];
} text_source;

static void noop_schema_release(struct ArrowSchema* s) { s->release = NULL; }
static void noop_array_release(struct ArrowArray* a) { a->release = NULL; }

static int source_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  text_source* src = (text_source*)s->private_data;
  int c;
  for (c = 0; c < src->n_cols; ++c) {
    struct ArrowSchema* ch = &src->child_schemas[c];
    memset(ch, 0, sizeof *ch);
    ch->format = "u";
    ch->name = src->names[c];
    ch->flags = ARROW_FLAG_NULLABLE;
    ch->release = noop_schema_release;
    src->child_schema_ptrs[c] = ch;
  }
  memset(out, 0, sizeof *out);
  out->format = "+s";
  out->name = "";
  out->n_children = src->n_cols;
  out->children = src->child_schema_ptrs;
  out->release = noop_schema_release;
  return 0;
}

static int source_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  text_source* src = (text_source*)s->private_data;
  int c;
  int64_t r;
  memset(out, 0, sizeof *out);
  if (src->sent) return 0; /* released: the end */
  src->sent = 1;
  for (c = 0; c < src->n_cols; ++c) {
    size_t total = 0;
    int32_t at = 0;
    for (r = 0; r < src->n_rows; ++r) {
      const char* v = src->cells[r * src->n_cols + c];
      total += v != NULL ? strlen(v) : 0;
    }
    src->offsets[c] = (int32_t*)calloc((size_t)src->n_rows + 1, sizeof(int32_t));
    src->chars[c] = (char*)malloc(total + 1);
    src->validity[c] = (uint8_t*)calloc((size_t)src->n_rows / 8 + 1, 1);
    memset(&src->children[c], 0, sizeof src->children[c]);
    for (r = 0; r < src->n_rows; ++r) {
      const char* v = src->cells[r * src->n_cols + c];
      if (v != NULL) {
        memcpy(src->chars[c] + at, v, strlen(v));
        at += (int32_t)strlen(v);
        src->validity[c][r / 8] |= (uint8_t)(1u << (r % 8));
      } else {
        ++src->children[c].null_count;
      }
      src->offsets[c][r + 1] = at;
    }
    src->buffer_ptrs[c][0] = src->validity[c];
    src->buffer_ptrs[c][1] = src->offsets[c];
    src->buffer_ptrs[c][2] = src->chars[c];
    src->children[c].length = src->n_rows;
    src->children[c].n_buffers = 3;
    src->children[c].buffers = src->buffer_ptrs[c];
    src->children[c].release = noop_array_release;
    src->child_ptrs[c] = &src->children[c];
  }
  src->top_buffers[0] = NULL;
  out->length = src->n_rows;
  out->n_buffers = 1;
  out->buffers = src->top_buffers;
  out->n_children = src->n_cols;
  out->children = src->child_ptrs;
  out->release = noop_array_release;
  return 0;
}

static const char* source_error(struct ArrowArrayStream* s) {
  (void)s;
  return NULL;
}

static int source_released = 0;
static void source_release(struct ArrowArrayStream* s) {
  text_source* src = (text_source*)s->private_data;
  int c;
  if (src->sent) {
    for (c = 0; c < src->n_cols; ++c) {
      free(src->offsets[c]);
      free(src->chars[c]);
      free(src->validity[c]);
    }
  }
  ++source_released;
  s->release = NULL;
}

static struct ArrowArrayStream make_source(text_source* src, int n_cols, int64_t n_rows,
                                           const char* const* names, const char* const* cells) {
  struct ArrowArrayStream s;
  memset(src, 0, sizeof *src);
  src->n_cols = n_cols;
  src->n_rows = n_rows;
  src->names = names;
  src->cells = cells;
  s.get_schema = source_schema;
  s.get_next = source_next;
  s.get_last_error = source_error;
  s.release = source_release;
  s.private_data = src;
  return s;
}

/* ---- the tests ------------------------------------------------------------------------ */

static const char* const kNames[] = {"NIK", "Nama", "Tgl. Lahir", "No. KK"};
static const char* const kCells[] = {
    "3510014501900001", "Siti Aminah",  "05-01-1990", "3510010101080001",
    "3510014501900001", "Siti Aminah",  "05-01-1990", "3510010101080001",
    "3510011203850002", "Budi Santoso", NULL,         "3510010101080001",
    "3510016809700003", "Sri Wahyuni",  "1970-09-28", NULL,
};

static void test_registry_streams(void) {
  skamp_registry* reg = NULL;
  text_source src;
  struct ArrowArrayStream in = make_source(&src, 4, 4, kNames, kCells), out;
  read_stream r;
  char *report = NULL, *json = NULL, buf[64];
  int64_t i;
  CHECK(skamp_registry_new(&reg) == SKAMP_OK);
  source_released = 0;
  CHECK(skamp_registry_add_arrow(&report, reg, &in, "PKH", "central") == SKAMP_OK);
  CHECK(in.release == NULL && source_released == 1); /* taken over and released */
  CHECK(report != NULL && strstr(report, "\"loaded\":4") != NULL);
  CHECK(report != NULL &&
        strstr(report, "\"birth_date\":\"Tgl. Lahir\"") != NULL); /* the alias table */
  skamp_free(report);

  /* duplicates: the consumer's reading equals the JSON report's */
  CHECK(skamp_registry_dedup_arrow(&out, reg, "duplicates") == SKAMP_OK);
  CHECK(read_all(&out, &r));
  CHECK(r.schema.n_children == 3 && column(&r, "program") == 0 && column(&r, "nik") == 1 &&
        column(&r, "count") == 2);
  CHECK(strcmp(format_of(&r, 0), "i") == 0 && r.schema.children[0]->dictionary != NULL);
  CHECK(strcmp(format_of(&r, 1), "u") == 0 && strcmp(format_of(&r, 2), "l") == 0);
  CHECK(r.rows == 1);
  CHECK(strcmp(text_at(&r, 0, 0, buf, sizeof buf), "PKH") == 0);
  CHECK(strcmp(text_at(&r, 1, 0, buf, sizeof buf), "3510014501900001") == 0);
  CHECK(int_at(&r, 2, 0) == 2);
  CHECK(skamp_registry_dedup_json(&json, reg) == SKAMP_OK);
  CHECK(json != NULL && strstr(json, "3510014501900001") != NULL);
  skamp_free(json);
  free_read(&r);

  /* records: every row, nulls where the list had none */
  CHECK(skamp_registry_records_arrow(&out, reg, "PKH") == SKAMP_OK);
  CHECK(read_all(&out, &r));
  CHECK(r.rows == 4);
  CHECK(strcmp(format_of(&r, column(&r, "birth_date")), "tdD") == 0);
  for (i = 0; i < r.rows; ++i) {
    const char* name = text_at(&r, column(&r, "name"), i, buf, sizeof buf);
    if (strcmp(name, "Budi Santoso") == 0) CHECK(int_at(&r, column(&r, "birth_date"), i) == -999);
    if (strcmp(name, "Sri Wahyuni") == 0) {
      CHECK(int_at(&r, column(&r, "birth_date"), i) == 270); /* 1970-09-28 */
      CHECK(strcmp(text_at(&r, column(&r, "kk"), i, buf, sizeof buf), "") == 0);
    }
  }
  free_read(&r);

  /* errors: an unknown table, a programme not held, a released stream; out left released */
  out.release = source_release;
  CHECK(skamp_registry_dedup_arrow(&out, reg, "nope") == SKAMP_EINVALID && out.release == NULL);
  CHECK(skamp_registry_records_arrow(&out, reg, "BST") == SKAMP_ENOTFOUND && out.release == NULL);
  CHECK(skamp_registry_add_arrow(NULL, reg, &in, "PKH", "central") == SKAMP_EINVALID);
  CHECK(strstr(skamp_last_error(), "records") != NULL);
  in = make_source(&src, 4, 4, kNames, kCells);
  source_released = 0;
  CHECK(skamp_registry_add_arrow(NULL, NULL, &in, "PKH", "central") == SKAMP_EINVALID);
  CHECK(in.release == NULL && source_released == 1); /* released on failure too */
  skamp_registry_free(reg);
}

static void test_link_streams(void) {
  text_source src;
  struct ArrowArrayStream in = make_source(&src, 4, 4, kNames, kCells), pairs, clusters;
  read_stream p, c;
  int64_t i;
  CHECK(skamp_linkage_link_arrow(&pairs, &clusters, &in, NULL, -1) == SKAMP_OK);
  CHECK(in.release == NULL);
  CHECK(read_all(&pairs, &p) && read_all(&clusters, &c));
  CHECK(p.schema.n_children == 4 && column(&p, "i") == 0 && column(&p, "probability") == 2);
  CHECK(c.rows == 4 && column(&c, "cluster_id") == 1);
  /* the two copies of Siti are one person, the others alone; pairs agree with the clusters */
  CHECK(int_at(&c, 1, 0) == 0 && int_at(&c, 1, 1) == 0);
  CHECK(int_at(&c, 1, 2) == 2 && int_at(&c, 1, 3) == 3);
  CHECK(p.rows >= 1);
  for (i = 0; i < p.rows; ++i) {
    CHECK(int_at(&c, 1, int_at(&p, 0, i)) == int_at(&c, 1, int_at(&p, 1, i)));
    CHECK(double_at(&p, 2, i) >= 0.0 && double_at(&p, 2, i) <= 1.0);
  }
  free_read(&p);
  free_read(&c);
}

static void test_geo_and_cert_streams(void) {
  const int64_t ids[] = {1, 2, 3};
  const double lats[] = {-8.20, -8.30, -8.25}, lons[] = {114.35, 114.35, 114.40};
  const int32_t cap[] = {2, 1, 0};
  const double qlat[] = {-8.21, -8.29}, qlon[] = {114.35, 114.35};
  int64_t want_ids[4];
  double want_d[4];
  skamp_facility_index* index = NULL;
  skamp_cert_registry* certs = NULL;
  struct ArrowArrayStream out;
  read_stream r;
  int64_t i;
  char buf[32];
  CHECK(skamp_geo_index_new(&index, 3, ids, lats, lons, cap, NULL, NULL, NULL) == SKAMP_OK);
  CHECK(skamp_geo_index_nearest_batch(want_ids, want_d, index, 2, qlat, qlon, 2, NULL) == SKAMP_OK);
  CHECK(skamp_geo_index_nearest_arrow(&out, index, 2, qlat, qlon, 2, NULL) == SKAMP_OK);
  CHECK(read_all(&out, &r));
  CHECK(r.rows == 4 && column(&r, "query") == 0 && column(&r, "distance_m") == 3);
  for (i = 0; i < r.rows; ++i) {
    const int64_t q = int_at(&r, 0, i), k = int_at(&r, 1, i);
    CHECK(int_at(&r, 2, i) == want_ids[q * 2 + k] && double_at(&r, 3, i) == want_d[q * 2 + k]);
  }
  free_read(&r);
  CHECK(skamp_geo_index_assign_arrow(&out, index, 2, qlat, qlon, SKAMP_ASSIGN_GREEDY, 2, 0) ==
        SKAMP_OK);
  CHECK(read_all(&out, &r));
  CHECK(r.rows == 2 && int_at(&r, column(&r, "house"), 0) == 1 &&
        int_at(&r, column(&r, "house"), 1) == 2);
  free_read(&r);
  skamp_geo_index_free(index);

  CHECK(skamp_cert_registry_new(&certs, NULL, 0) == SKAMP_OK);
  if (certs != NULL) {
    CHECK(skamp_cert_add_business(certs, 7, "Homestay Osing", "homestay", -8.2, 114.3, 20,
                                  "Kemiren", 0) == SKAMP_OK);
    CHECK(skamp_cert_statuses_arrow(&out, certs, 1600000000) == SKAMP_OK);
    CHECK(read_all(&out, &r));
    CHECK(r.rows == 1 && int_at(&r, 0, 0) == 7);
    CHECK(strcmp(text_at(&r, column(&r, "status"), 0, buf, sizeof buf), "none") == 0);
    CHECK(strcmp(format_of(&r, column(&r, "at")), "tss:UTC") == 0 &&
          int_at(&r, column(&r, "at"), 0) == 1600000000);
    free_read(&r);
    skamp_cert_registry_free(certs);
  }
}

void skamp_test_arrow(void) {
  test_registry_streams();
  test_link_streams();
  test_geo_and_cert_streams();
}
