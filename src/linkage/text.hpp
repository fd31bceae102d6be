// Private: text helpers of the linkage engine (normalisation, phonetics, similarity).
#ifndef SMARTKAMPUNG_SRC_LINKAGE_TEXT_HPP
#define SMARTKAMPUNG_SRC_LINKAGE_TEXT_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smartkampung::detail {

/// Lower case ASCII, trims, collapses runs of space to one space (generic fields).
std::string simple_normalize(std::string_view text);
/// Splits on single spaces (input already normalised).
std::vector<std::string_view> split_tokens(std::string_view text);
/// Phonetic key of one normalised token.
std::string phonetic_token(std::string_view token);
/// Phonetic key of a normalised name (tokens joined by a space).
std::string phonetic_of_normalized(std::string_view normalized);
/// 64-bit FNV-1a (0 is never returned).
std::uint64_t hash_text(std::string_view text) noexcept;
std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) noexcept;
/// Jaro-Winkler with 'y' and 'j' counted as equal.
double jaro_winkler_soft(std::string_view a, std::string_view b) noexcept;
/// Number of positions that differ (strings of equal length), else SIZE_MAX.
std::size_t hamming(std::string_view a, std::string_view b) noexcept;
/// True when b is a with one pair of adjacent characters swapped.
bool adjacent_transposition(std::string_view a, std::string_view b) noexcept;
/// True when the Levenshtein distance is exactly one insertion or deletion.
bool one_indel(std::string_view a, std::string_view b) noexcept;

}  // namespace smartkampung::detail

#endif
