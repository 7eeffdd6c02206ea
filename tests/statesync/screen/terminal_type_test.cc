// What a viewer's terminal can show, from its name: terminfo where it knows the name,
// known terminals by name, xterm-256color for the rest, and nothing a peer's odd name
// can make it read.
#include "statesync/screen/terminal_type.h"

#include <gtest/gtest.h>

namespace tandem::screen {
namespace {

TEST(TerminalType, TerminfoSaysHowManyColours) {
  EXPECT_EQ(options_for_terminal("screen").colors, 8);
  EXPECT_EQ(options_for_terminal("xterm-256color").colors, 256);
  EXPECT_FALSE(options_for_terminal("xterm-256color").styled_underline);
  EXPECT_FALSE(options_for_terminal("xterm-256color").underline_color);
  EXPECT_TRUE(options_for_terminal("tmux-256color").styled_underline);  // Smulx
}

TEST(TerminalType, ColortermTruecolorMeansTrueColour) {
  EXPECT_EQ(options_for_terminal("xterm-256color", "truecolor").colors, kTrueColor);
  EXPECT_EQ(options_for_terminal("xterm-256color", "24bit").colors, kTrueColor);
  EXPECT_EQ(options_for_terminal("xterm-256color", "yes").colors, 256);
}

TEST(TerminalType, ModernTerminalsAreKnownByName) {
  const DisplayOptions kitty = options_for_terminal("xterm-kitty");
  EXPECT_EQ(kitty.colors, kTrueColor);
  EXPECT_TRUE(kitty.styled_underline);
  EXPECT_TRUE(kitty.underline_color);
  EXPECT_TRUE(kitty.hyperlinks);
  EXPECT_EQ(options_for_terminal("xterm-direct").colors, kTrueColor);
}

TEST(TerminalType, UnknownOrOddNamesAreTakenAsXterm256color) {
  for (const char* name : {"no-such-terminal", "../../etc/passwd", "/etc/passwd", "", "x\ny"}) {
    const DisplayOptions o = options_for_terminal(name);
    EXPECT_EQ(o.colors, 256) << name;
    EXPECT_FALSE(o.styled_underline) << name;
    EXPECT_FALSE(o.clipboard) << name;  // never the terminal's to decide
  }
  EXPECT_EQ(options_for_terminal(std::string(1000, 'x')).colors, 256);
}

}  // namespace
}  // namespace tandem::screen
