// smartkampung/progress.hpp: progress reports and cancellation of long calls.
#ifndef SMARTKAMPUNG_PROGRESS_HPP
#define SMARTKAMPUNG_PROGRESS_HPP

#include <cstddef>
#include <functional>

namespace smartkampung {

/// A long call's progress hook (may be empty: no reports). It is called at coarse
/// intervals (every few thousand rows, every megabyte or at each stage, as each call
/// documents) with the work done so far and the call's total, `done` increasing and the
/// last report `done == total`; never from two threads at once, though not always from
/// the calling thread. Returning false cancels the call: it throws Error(kCancelled) and
/// leaves every object as it was before the call (a registry keeps what it held, no file
/// is written). An exception the hook throws cancels the call likewise and is rethrown
/// in place of Error(kCancelled). The answer to the last report (done == total) is
/// honoured only where nothing has been changed yet; the call says so.
using Progress = std::function<bool(std::size_t done, std::size_t total)>;

}  // namespace smartkampung

#endif
