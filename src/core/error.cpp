#include <smartkampung/error.hpp>

namespace smartkampung {

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

// Out of line so that the vtable and typeinfo live in the library (the key function).
Error::~Error() = default;

}  // namespace smartkampung
