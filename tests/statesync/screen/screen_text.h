// Test helpers: screens as text, so expectations can be written out in the test.
#pragma once

#include <string>
#include <vector>

#include "statesync/screen/screen_state.h"
#include "statesync/screen/terminal.h"

namespace tandem::screen::testing {

// Every row of the screen, trailing blanks trimmed.
std::vector<std::string> screen_lines(const ScreenState& s);
// The rows joined with '\n', trailing empty rows dropped.
std::string screen_text(const ScreenState& s);
// A fresh terminal fed `bytes`.
Terminal run(int cols, int rows, std::string_view bytes);

// The programs recorded in tests/fixtures, and a test-name-safe form of each.
inline constexpr const char* kRecordedPrograms[] = {"bash", "vim", "less", "htop", "git-log-color", "ls-color"};
std::string test_name(std::string program);

}  // namespace tandem::screen::testing
