// Seeded generators of screens and terminal input for property tests.
#pragma once

#include <random>
#include <string>

#include "statesync/screen/screen_state.h"

namespace tandem::screen::testing {

// A frame with arbitrary cells: wide characters, combining marks, every colour kind
// and attribute, a random cursor, modes and title.
ScreenState random_frame(std::mt19937& rng, int cols, int rows);

// `ops` random operations a program might send: text (ASCII, wide, combining), line
// breaks, cursor moves, SGR, erases, inserts and deletes, scrolls and regions, modes,
// the alternate screen, titles, tabs, resets.
std::string random_input(std::mt19937& rng, int ops, int cols, int rows);

}  // namespace tandem::screen::testing
