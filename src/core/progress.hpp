// Private: reporting a long call's progress to its Progress hook (smartkampung/progress.hpp).
#ifndef SMARTKAMPUNG_SRC_CORE_PROGRESS_HPP
#define SMARTKAMPUNG_SRC_CORE_PROGRESS_HPP

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <smartkampung/error.hpp>
#include <smartkampung/progress.hpp>
#include <string>

namespace smartkampung::detail {

/// Counts a call's work and reports it to a Progress hook: from any thread, one report at
/// a time, `done` increasing, at most every `step` units, the last at the total. When the
/// hook says stop (false, or an exception), every later add() or check() on any thread
/// throws: the hook's exception or Error(kCancelled) naming `what` (never personal data).
class ProgressMeter {
 public:
  /// `step`: the most work between reports; a small call reports every total / 64 units
  /// (0: always so).
  ProgressMeter(const Progress& hook, std::size_t total, const char* what, std::size_t step = 0)
      : hook_(hook ? &hook : nullptr), total_(total), what_(what) {
    const std::size_t fine = std::max<std::size_t>(1, total / 64);
    step_ = step == 0 ? fine : std::max<std::size_t>(1, std::min(step, fine));
  }
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  bool active() const noexcept { return hook_ != nullptr; }
  std::size_t total() const noexcept { return total_; }

  /// The first report (0 done): lets the hook cancel before any work.
  void start() {
    report(0, true);
    check();
  }
  /// Adds `n` units done (any thread); reports when a step was crossed.
  void add(std::size_t n) {
    if (hook_ == nullptr) return;
    const std::size_t done = done_.fetch_add(n, std::memory_order_relaxed) + n;
    if (done / step_ != (done - n) / step_) report(done, false);
    check();
  }
  /// Sets the units done (one thread at a time), reporting it.
  void set(std::size_t done) {
    if (hook_ == nullptr) return;
    done_.store(done, std::memory_order_relaxed);
    report(done, true);
    check();
  }
  /// Reports the total. With `honour` false the hook's answer is ignored (the work is
  /// already committed); else a stop throws as add() does.
  void finish(bool honour = true) {
    if (hook_ == nullptr) return;
    if (stop_.load(std::memory_order_acquire)) check();
    report(total_, true);
    if (honour) check();
  }
  /// True once the hook asked to stop.
  bool stopped() const noexcept { return stop_.load(std::memory_order_acquire); }
  /// Throws when the hook asked to stop.
  void check() const {
    if (!stop_.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
    throw Error(ErrorCode::kCancelled, std::string(what_) + " was cancelled by its progress hook");
  }

 private:
  void report(std::size_t done, bool wait) {
    if (hook_ == nullptr) return;
    std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
    if (wait) {
      lock.lock();
    } else if (!lock.try_lock()) {
      return;  // another thread is reporting: this step is covered by its report or the next
    }
    if (stop_.load(std::memory_order_relaxed)) return;
    done = std::min(done, total_);
    if (reported_any_ && done <= last_) return;
    reported_any_ = true;
    last_ = done;
    bool go = false;
    try {
      go = (*hook_)(done, total_);
    } catch (...) {
      failure_ = std::current_exception();
    }
    if (!go) stop_.store(true, std::memory_order_release);
  }

  const Progress* hook_;
  std::size_t total_;
  const char* what_;
  std::size_t step_ = 1;
  std::atomic<std::size_t> done_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::size_t last_ = 0;  // under mutex_
  bool reported_any_ = false;
  std::exception_ptr failure_;
};

}  // namespace smartkampung::detail

#endif
