// Private: memory for large arrays read at random (the Linker's summary rows and key
// tables). A block of kLargeBlock bytes or more is mapped on its own, aligned to 2 MiB
// and marked for transparent huge pages where the system has them (Linux, THP "always" or
// "madvise"), so that a random read into a few GB costs a cache miss but seldom a page
// walk too (a 4 KiB page a read otherwise; under a hypervisor a walk is itself several
// misses). Smaller blocks come from operator new.
#ifndef SMARTKAMPUNG_SRC_CORE_LARGE_ALLOC_HPP
#define SMARTKAMPUNG_SRC_CORE_LARGE_ALLOC_HPP

#include <cstddef>

namespace smartkampung::detail {

inline constexpr std::size_t kLargeBlock = std::size_t{2} << 20;

/// `bytes` of memory (huge-page backed when large); throws std::bad_alloc.
void* large_allocate(std::size_t bytes);
/// As large_allocate, all bytes 0. A large block's pages are the system's zero pages
/// until written, so that allocating a large table does not touch it all at once.
void* large_allocate_zeroed(std::size_t bytes);
/// Frees what large_allocate(bytes) or large_allocate_zeroed(bytes) gave, with the same `bytes`.
void large_deallocate(void* p, std::size_t bytes) noexcept;

}  // namespace smartkampung::detail

#endif
