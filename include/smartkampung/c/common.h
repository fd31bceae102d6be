/* smartkampung/c/common.h: status codes, errors, memory and version of the C API.
 *
 * Conventions (every function of the C API):
 * - A function that can fail returns skamp_status; SKAMP_OK (0) is success and every
 *   failure is negative. Results come through out-parameters, the first argument.
 * - After a failure, skamp_last_error() gives a message for this thread.
 * - Memory the library allocates for the caller is released with skamp_free().
 * - Handles are opaque; skamp_<x>_free(NULL) does nothing.
 * - No C++ exception ever crosses this API. */
#ifndef SMARTKAMPUNG_C_COMMON_H
#define SMARTKAMPUNG_C_COMMON_H

#include <smartkampung/c/version.h>
#include <smartkampung/export.h>
#include <stddef.h>
#include <stdint.h>

/* Marks a deprecated name (smartkampung/c/deprecated.h): the compiler warns where it is
 * used, unless SKAMP_ALLOW_DEPRECATED is defined before the first include. */
#if defined(SKAMP_ALLOW_DEPRECATED)
#define SKAMP_DEPRECATED(message)
#elif defined(__GNUC__) || defined(__clang__)
#define SKAMP_DEPRECATED(message) __attribute__((deprecated(message)))
#elif defined(_MSC_VER)
#define SKAMP_DEPRECATED(message) __declspec(deprecated(message))
#else
#define SKAMP_DEPRECATED(message)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Outcome of a call. Values are never renumbered. */
typedef enum skamp_status {
  SKAMP_OK = 0,
  SKAMP_EINVALID = -1,   /**< invalid argument: NULL pointer, malformed input */
  SKAMP_ENOTFOUND = -2,  /**< unknown id or key */
  SKAMP_ESTATE = -3,     /**< not allowed in the current state */
  SKAMP_EIO = -4,        /**< a file could not be read or written */
  SKAMP_ECORRUPT = -5,   /**< a saved file failed its integrity check */
  SKAMP_EPARSE = -6,     /**< text that is not valid JSON, CSV or rule syntax */
  SKAMP_ELIMIT = -7,     /**< input beyond a size or depth limit */
  SKAMP_ENOMEM = -8,     /**< out of memory */
  SKAMP_EINTERNAL = -9,  /**< a bug in the library: please report it */
  SKAMP_ECANCELLED = -10 /**< a long call stopped at its caller's request */
} skamp_status;

/** The library's version, "MAJOR.MINOR.PATCH"; static storage. Compare with
 *  SKAMP_VERSION_STRING to detect a header/library mismatch. */
SMARTKAMPUNG_EXPORT const char* skamp_version(void);

/** SKAMP_VERSION_NUMBER of the library that is loaded. */
SMARTKAMPUNG_EXPORT int skamp_version_number(void);

/** Message of the last failure on the calling thread: never NULL (empty when there was
 *  none), owned by the library, valid until the next call on this thread. Messages never
 *  contain personal data. */
SMARTKAMPUNG_EXPORT const char* skamp_last_error(void);

/** Static text naming a status ("SKAMP_EINVALID: invalid argument"); never NULL. */
SMARTKAMPUNG_EXPORT const char* skamp_status_str(skamp_status status);

/** Releases memory the library allocated for the caller (strings, arrays). NULL is a no-op. */
SMARTKAMPUNG_EXPORT void skamp_free(void* ptr);

#ifdef __cplusplus
}
#endif

#endif
