#include "core/store_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <smartkampung/error.hpp>
#include <smartkampung/io.hpp>

#include "io/csv_parser.hpp"

namespace smartkampung::detail {

StoreLock::StoreLock(const std::string& path, bool exclusive) {
  if (path.empty()) throw Error(ErrorCode::kInvalidArgument, "store: empty path");
  const std::string lock_path = path + ".lock";
  // A reader does not create the lock file (writes land by rename, so a read never sees
  // half a file).
  fd_ = ::open(lock_path.c_str(),
               (exclusive ? O_RDWR | O_CREAT : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0 && !exclusive &&
      (errno == ENOENT || errno == EACCES || errno == EROFS || errno == EPERM)) {
    return;  // no lock file, or a folder the reader cannot write
  }
  if (fd_ < 0) {
    throw Error(ErrorCode::kIo, "cannot lock '" + path + "': " + std::strerror(errno) +
                                    (errno == ELOOP ? " (the lock file is a symbolic link)" : ""));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw Error(ErrorCode::kIo, "cannot lock '" + path + "': the lock file is not a regular file");
  }
  while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    throw Error(ErrorCode::kIo, "cannot lock '" + path + "': " + std::strerror(err));
  }
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

bool store_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string read_store(const std::string& path) {
  remove_stale_temporaries(path);
  return read_file(path);  // devices, FIFOs and directories are refused before reading
}

void write_store(const std::string& path, std::string_view bytes) {
  write_file_atomic(path, bytes);
}

}  // namespace smartkampung::detail
