#include "core/large_alloc.hpp"

#include <cstdint>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace smartkampung::detail {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
std::size_t mapped_size(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}
}  // namespace

namespace {

// A block of its own (zero pages) for bytes >= kLargeBlock where huge pages can be asked
// for; nullptr otherwise.
void* map_large(std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kLargeBlock) {
    if (bytes > static_cast<std::size_t>(-1) / 2 - kHugePage) throw std::bad_alloc();
    // Map one huge page more than needed and unmap the unaligned head and the tail, so
    // that the block starts on a 2 MiB boundary (huge pages need it).
    const std::size_t size = mapped_size(bytes);
    void* raw =
        mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) munmap(raw, aligned - start);
    const std::uintptr_t end = start + size + kHugePage;
    if (end > aligned + size)
      munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
    void* p = reinterpret_cast<void*>(aligned);
    madvise(p, size, MADV_HUGEPAGE);  // advice only: without THP the pages stay small
    return p;
  }
#else
  (void)bytes;
#endif
  return nullptr;
}

}  // namespace

void* large_allocate(std::size_t bytes) {
  if (void* p = map_large(bytes)) return p;
  return ::operator new(bytes);
}

void* large_allocate_zeroed(std::size_t bytes) {
  if (void* p = map_large(bytes)) return p;  // fresh pages are zero, touched only when used
  void* p = ::operator new(bytes);
  std::memset(p, 0, bytes);
  return p;
}

void large_deallocate(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kLargeBlock) {
    munmap(p, mapped_size(bytes));
    return;
  }
#endif
  ::operator delete(p);
}

}  // namespace smartkampung::detail
