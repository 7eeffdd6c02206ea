// What a plain-ssh mate is told of its view of the session.
#include "relay/ssh/ssh_mate.h"

#include <gtest/gtest.h>

#include "statesync/screen/terminal.h"

namespace tandem::relay {
namespace {

TEST(SshMateNotice, APartialViewSaysTheSessionsActualSize) {
  screen::Viewport v;
  v.frame(screen::Terminal(120, 40).state(), 80, 24);
  EXPECT_EQ(view_notice(Role::kReadWrite, v), "tandem: read-write; view 80x24 of 120x40 follows the cursor");
  // --size smallest: the session shrinks to the mate's terminal.
  v.frame(screen::Terminal(80, 24).state(), 80, 24);
  EXPECT_EQ(view_notice(Role::kReadWrite, v), "");
  v.frame(screen::Terminal(100, 30).state(), 80, 24);
  EXPECT_EQ(view_notice(Role::kReadOnly, v), "tandem: read-only; view 80x24 of 100x30 follows the cursor");
}

TEST(SshMateNotice, WordsAboutAViewThatIsWholeAgainGoButOtherNoticesStay) {
  const std::string partial = "tandem: read-write; view 80x24 of 120x40 follows the cursor";
  // The session shrank to the view while it was being said: the stale words go.
  EXPECT_EQ(next_notice(partial, partial, ""), "");
  // Another notice (the read-only note, say) is not the view's to take away.
  EXPECT_EQ(next_notice("tandem: read-only: your keys are not sent", partial, ""),
            "tandem: read-only: your keys are not sent");
  // A new partial view is said, over whatever was on.
  EXPECT_EQ(next_notice("tandem: you are in h's session (read-write)", "", partial), partial);
  EXPECT_EQ(next_notice(partial, partial, "tandem: read-write; view 80x24 of 100x30 follows the cursor"),
            "tandem: read-write; view 80x24 of 100x30 follows the cursor");
}

}  // namespace
}  // namespace tandem::relay
