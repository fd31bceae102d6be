// Private: the Linker's blocking-key index (one a rule). In its own header for its
// property test against a map (tests/cpp/linkage_test.cpp).
#ifndef SMARTKAMPUNG_SRC_LINKAGE_KEY_INDEX_HPP
#define SMARTKAMPUNG_SRC_LINKAGE_KEY_INDEX_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "core/large_alloc.hpp"

namespace smartkampung::detail {

// Blocking key -> records, for one rule: open addressing (linear probing, 16 bytes a
// key); a key held by one record keeps it in the slot, larger buckets a list. Keys are
// hashes and never 0 (0 = no key), so 0 marks an empty slot. The table grows without a
// stall: a table twice the size is started, and each insert moves a few slots of the old
// one until it is empty (a key is in exactly one of the two; look-ups try both).
class LinkKeyIndex {
 public:
  struct Members {
    const std::uint32_t* data = nullptr;
    std::size_t size = 0;
  };

  Members find(std::uint64_t key) const {
    const Slot* s = locate(slots_, key);
    if (s == nullptr && moving()) s = locate(old_, key);
    if (s == nullptr || s->count == 0) return {};
    return s->count == 1 ? Members{&s->ref, 1} : Members{lists_[s->ref].data(), s->count};
  }

  void insert(std::uint64_t key, std::uint32_t record) {
    if (moving()) move_some(kMoveSlots);
    Slot* s = locate(slots_, key);
    if (s == nullptr && moving()) {
      Slot* o = locate(old_, key);
      if (o != nullptr && o->count != 0) {
        s = &place(*o);  // moved now: the bucket grows in the new table
        o->count = 0;    // moved (the key stays, so that probe sequences stay unbroken)
      }
    }
    if (s == nullptr) {
      if ((used_ + 1) * 5 > slots_.size() * 4) {
        grow();
      }
      s = &place(Slot{key, 1, record});
      ++used_;
      return;
    }
    if (s->count == 1) {
      std::uint32_t list;
      if (free_lists_.empty()) {
        list = static_cast<std::uint32_t>(lists_.size());
        lists_.emplace_back();
      } else {
        list = free_lists_.back();
        free_lists_.pop_back();
      }
      lists_[list] = {s->ref};
      s->ref = list;
    }
    lists_[s->ref].push_back(record);
    ++s->count;
  }

  /// Removes one record from a key's bucket (nothing when it is not there).
  void erase(std::uint64_t key, std::uint32_t record) {
    bool in_old = false;
    Slot* s = locate(slots_, key);
    if (s == nullptr && moving()) {
      s = locate(old_, key);
      in_old = true;
    }
    if (s == nullptr || s->count == 0) return;
    if (s->count > 1) {
      auto& list = lists_[s->ref];
      const auto it = std::find(list.begin(), list.end(), record);
      if (it == list.end()) return;
      list.erase(it);
      if (--s->count == 1) {
        const std::uint32_t last = list.front();
        std::vector<std::uint32_t>().swap(list);
        free_lists_.push_back(s->ref);
        s->ref = last;
      }
      return;
    }
    if (s->ref != record) return;
    --used_;
    if (in_old) {
      s->count = 0;  // as moved: the old table only ever loses keys this way
      return;
    }
    // Backward-shift deletion keeps every probe sequence unbroken.
    const std::size_t mask = slots_.size() - 1;
    std::size_t hole = static_cast<std::size_t>(s - slots_.data());
    for (std::size_t j = (hole + 1) & mask; slots_[j].key != 0; j = (j + 1) & mask) {
      const std::size_t home = slots_[j].key & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
  }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t count = 0;  // 0 in the old table: moved or removed
    std::uint32_t ref = 0;    // the record (count 1) or a list
  };
  // Slots allocated zeroed (= empty): a large table's pages are touched as it fills, not
  // all when it is made.
  class Table {
   public:
    Table() = default;
    explicit Table(std::size_t n)
        : slots_(static_cast<Slot*>(large_allocate_zeroed(n * sizeof(Slot))),
                 Free{n * sizeof(Slot)}),
          size_(n) {}
    Table(Table&& o) noexcept : slots_(std::move(o.slots_)), size_(std::exchange(o.size_, 0)) {}
    Table& operator=(Table&& o) noexcept {
      slots_ = std::move(o.slots_);
      size_ = std::exchange(o.size_, 0);
      return *this;
    }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    Slot& operator[](std::size_t i) { return slots_[i]; }
    const Slot& operator[](std::size_t i) const { return slots_[i]; }
    Slot* data() { return slots_.get(); }

   private:
    struct Free {
      std::size_t bytes;
      void operator()(Slot* p) const noexcept { large_deallocate(p, bytes); }
    };
    std::unique_ptr<Slot[], Free> slots_;
    std::size_t size_ = 0;
  };
  // Slots of the old table moved an insert: it is emptied before the new table (twice its
  // size, a quarter full more at most by then) is 80% full.
  static constexpr std::size_t kMoveSlots = 8;

  bool moving() const { return !old_.empty(); }
  static const Slot* locate(const Table& t, std::uint64_t key) {
    if (t.empty()) return nullptr;
    const std::size_t mask = t.size() - 1;
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
      if (t[i].key == key) return &t[i];
      if (t[i].key == 0) return nullptr;
    }
  }
  static Slot* locate(Table& t, std::uint64_t key) {
    return const_cast<Slot*>(locate(static_cast<const Table&>(t), key));
  }
  // Puts a slot whose key is in neither table into the new one.
  Slot& place(const Slot& slot) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = slot.key & mask;
    while (slots_[i].key != 0) i = (i + 1) & mask;
    slots_[i] = slot;
    return slots_[i];
  }
  void move_some(std::size_t count) {
    for (; count > 0 && moved_ < old_.size(); --count, ++moved_) {
      Slot& o = old_[moved_];
      if (o.key != 0 && o.count != 0) {
        place(o);
        o.count = 0;  // moved: a look-up that misses the new table must not find it here
      }
    }
    if (moved_ == old_.size()) old_ = Table();
  }
  void grow() {
    if (moving()) move_some(old_.size());  // not reached with kMoveSlots >= 4
    old_ = std::move(slots_);
    slots_ = Table(old_.empty() ? 64 : old_.size() * 2);
    moved_ = 0;
    if (old_.empty()) return;
    move_some(kMoveSlots);
  }
  Table slots_, old_;
  std::size_t moved_ = 0;                         // old_ slots below this are moved
  std::size_t used_ = 0;                          // keys held (both tables)
  std::deque<std::vector<std::uint32_t>> lists_;  // a deque: growing moves none
  std::vector<std::uint32_t> free_lists_;
};

}  // namespace smartkampung::detail

#endif
