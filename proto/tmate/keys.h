// tmux's key codes as tmate's PANE_KEY carries them (notes/tmate-protocol.md §7): a
// Unicode code point, or KEYC_BASE plus a special key's number, with Meta, Ctrl and
// Shift bits. A tmate relay turns what mates type into key codes, and a tmate host
// turns key codes back into the bytes its pane's program reads: both directions are
// here, once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::tmate {

namespace key {
inline constexpr uint64_t kBase = 0x100000000000ull;
inline constexpr uint64_t kMeta = 0x200000000000ull;
inline constexpr uint64_t kCtrl = 0x400000000000ull;
inline constexpr uint64_t kShift = 0x800000000000ull;
inline constexpr uint64_t kModifiers = kMeta | kCtrl | kShift;

inline constexpr uint64_t kBackspace = kBase + 45;
inline constexpr uint64_t kF1 = kBase + 46;  // F1..F12 follow
inline constexpr uint64_t kInsert = kBase + 58;
inline constexpr uint64_t kDelete = kBase + 59;
inline constexpr uint64_t kHome = kBase + 60;
inline constexpr uint64_t kEnd = kBase + 61;
inline constexpr uint64_t kPageDown = kBase + 62;
inline constexpr uint64_t kPageUp = kBase + 63;
inline constexpr uint64_t kBackTab = kBase + 64;
inline constexpr uint64_t kUp = kBase + 65;
inline constexpr uint64_t kDown = kBase + 66;
inline constexpr uint64_t kLeft = kBase + 67;
inline constexpr uint64_t kRight = kBase + 68;
inline constexpr uint64_t kKeypadSlash = kBase + 69;  // .. kKeypadPeriod = kBase + 84
inline constexpr uint64_t kKeypadPeriod = kBase + 84;
}  // namespace key

// What a terminal sends -> key codes. Sequences are taken whole from one piece of
// input (a terminal writes a key in one go); what cannot be a key (mouse reports,
// focus events, paste brackets, broken UTF-8) is left out. A UTF-8 character cut by
// the end of the piece (a paste arrives in pieces) is left in `rest`, if given, to
// go before the next piece.
std::vector<uint64_t> keys_from_bytes(std::string_view bytes, std::string* rest = nullptr);

// A key as tmux names it in bind-key and set-option prefix ("C-b", "M-Up", "PPage",
// "F5", "%", "Space") -> its key code; nullopt for a name tmux 2.2 would not know.
std::optional<uint64_t> key_from_name(std::string_view name);

// A key code -> the bytes a program reads for it, given the pane's modes (DECCKM
// cursor keys, DECKPAM keypad), as tmux 2.2 writes them with xterm-keys off. Keys it
// has no bytes for (mouse, focus) give nothing.
std::string bytes_from_key(uint64_t code, bool app_cursor, bool app_keypad);

}  // namespace tandem::tmate
