// Private: how every store (registry snapshots, certificate logs, trained linkers) reaches
// the disk, in one place: a writer's lock beside the file, an atomic write, and a read
// that first clears what a killed save left behind.
#ifndef SMARTKAMPUNG_SRC_CORE_STORE_FILE_HPP
#define SMARTKAMPUNG_SRC_CORE_STORE_FILE_HPP

#include <string>
#include <string_view>

namespace smartkampung::detail {

/// An exclusive (or shared) flock on "<path>.lock", held for the life of the object. flock
/// locks belong to an open file description, so two threads of one process that each open
/// the lock file exclude each other as two processes do: one lock serves both. The lock
/// file is never removed (removing it would let two writers lock different files). A
/// shared lock where no lock file exists (or where the reader cannot create one) holds
/// nothing: where no writer ever locked, there is no writer to wait for. Throws Error(kIo)
/// naming `path` when the lock cannot be taken.
class StoreLock {
 public:
  StoreLock(const std::string& path, bool exclusive);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

/// True when `path` names an existing file (of any kind).
bool store_exists(const std::string& path);

/// Reads a whole store file after removing the temporaries a killed save left beside it
/// (they may hold personal data). Errors as read_file's.
std::string read_store(const std::string& path);

/// Writes a store file atomically: a fresh 0600 temporary, fsync, rename, fsync of the folder.
void write_store(const std::string& path, std::string_view bytes);

}  // namespace smartkampung::detail

#endif
