#include "transport/replay_window.h"

#include <gtest/gtest.h>

namespace tandem::transport {
namespace {

TEST(ReplayWindow, AcceptsEachNumberOnce) {
  ReplayWindow w;
  for (uint64_t s : {0, 1, 5, 3, 2, 4}) {
    ASSERT_TRUE(w.fresh(s)) << s;
    w.accept(s);
  }
  for (uint64_t s = 0; s <= 5; ++s) EXPECT_FALSE(w.fresh(s)) << s;
  EXPECT_TRUE(w.fresh(6));
  EXPECT_EQ(w.top(), 6u);
}

TEST(ReplayWindow, ReorderedWithinTheWindowIsAccepted) {
  ReplayWindow w;
  w.accept(1000);
  EXPECT_TRUE(w.fresh(999));
  EXPECT_TRUE(w.fresh(1000 - ReplayWindow::kWindow + 64));
  w.accept(999);
  EXPECT_FALSE(w.fresh(999));
}

TEST(ReplayWindow, TooOldIsRefused) {
  ReplayWindow w;
  w.accept(5000);
  EXPECT_FALSE(w.fresh(5000 - ReplayWindow::kWindow));
  EXPECT_FALSE(w.fresh(0));
}

TEST(ReplayWindow, BigJumpsForgetTheOldBits) {
  ReplayWindow w;
  for (uint64_t s = 0; s < 100; ++s) w.accept(s);
  w.accept(100 + 10 * ReplayWindow::kWindow);
  // Numbers that share words with the old ones are fresh again only if inside the window.
  uint64_t top = w.top();
  EXPECT_TRUE(w.fresh(top - 100));
  EXPECT_FALSE(w.fresh(50));
  // Walk forward one by one across many windows: each new number is fresh exactly once.
  for (uint64_t s = top; s < top + 5 * ReplayWindow::kWindow; ++s) {
    ASSERT_TRUE(w.fresh(s)) << s;
    w.accept(s);
    ASSERT_FALSE(w.fresh(s)) << s;
    ASSERT_FALSE(w.fresh(s - 1)) << s;
  }
}

}  // namespace
}  // namespace tandem::transport
