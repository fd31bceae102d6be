# Script mode helper for embed.cmake: writes the bytes of INPUT as a char array.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(([^,]*,){16})" "\\1\n  " bytes "${bytes}")
file(WRITE ${OUTPUT}.tmp
"// Generated from ${INPUT}; do not edit.\n#include <cstddef>\nnamespace smartkampung::detail {\nextern const char ${SYMBOL}[];\nextern const std::size_t ${SYMBOL}_size;\nconst char ${SYMBOL}[] = {\n  ${bytes} '\\0'};\nconst std::size_t ${SYMBOL}_size = ${size};\n}  // namespace smartkampung::detail\n")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
