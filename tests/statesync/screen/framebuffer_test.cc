// Rows, the framebuffer ring and the scrollback: sharing, generations, bounds.
#include "statesync/screen/framebuffer.h"

#include <gtest/gtest.h>

namespace tandem::screen {
namespace {

void write_text(Framebuffer& fb, int y, std::string_view text) {
  Row& row = fb.mut_row(y);
  for (size_t i = 0; i < text.size(); ++i) row.at(int(i)) = Cell{char32_t(text[i])};
}

TEST(Framebuffer, CopiesShareRowsUntilWritten) {
  Framebuffer a(10, 3);
  write_text(a, 0, "abc");
  Framebuffer b = a;
  EXPECT_EQ(&a.row(0), &b.row(0));
  write_text(b, 0, "X");
  EXPECT_NE(&a.row(0), &b.row(0));
  EXPECT_EQ(a.row(0).text(), "abc");
  EXPECT_EQ(b.row(0).text(), "Xbc");
  EXPECT_EQ(&a.row(1), &b.row(1));
}

TEST(Framebuffer, WritingChangesTheGeneration) {
  Framebuffer fb(10, 2);
  uint64_t before = fb.row(0).gen;
  write_text(fb, 0, "a");
  EXPECT_NE(fb.row(0).gen, before);
}

TEST(Framebuffer, FullScrollRotatesRowsAndFeedsScrollback) {
  Framebuffer fb(5, 3);
  Scrollback sb(10);
  write_text(fb, 0, "one");
  write_text(fb, 1, "two");
  write_text(fb, 2, "three");
  const Row* two = &fb.row(1);
  fb.scroll_up(0, 2, 1, Cell::blank(), &sb);
  EXPECT_EQ(&fb.row(0), two);  // moved, not copied
  EXPECT_EQ(fb.row(1).text(), "three");
  EXPECT_EQ(fb.row(2).text(), "");
  ASSERT_EQ(sb.size(), 1u);
  EXPECT_EQ(sb.line(0)->text(), "one");
}

TEST(Framebuffer, RegionScrollsLeaveTheRestAlone) {
  Framebuffer fb(5, 4);
  for (int y = 0; y < 4; ++y) write_text(fb, y, std::string(1, char('a' + y)));
  fb.scroll_up(1, 2, 1, Cell::blank(), nullptr);
  EXPECT_EQ(fb.row(0).text(), "a");
  EXPECT_EQ(fb.row(1).text(), "c");
  EXPECT_EQ(fb.row(2).text(), "");
  EXPECT_EQ(fb.row(3).text(), "d");
  fb.scroll_down(0, 3, 2, Cell::blank());
  EXPECT_EQ(fb.row(2).text(), "a");
  EXPECT_EQ(fb.row(3).text(), "c");
}

TEST(Framebuffer, FindScrollSeesMovedRows) {
  Framebuffer a(5, 6);
  for (int y = 0; y < 6; ++y) write_text(a, y, std::string(1, char('a' + y)));
  Framebuffer b = a;
  b.scroll_up(0, 4, 2, Cell::blank(), nullptr);
  auto move = find_scroll(a, b);
  ASSERT_TRUE(move);
  EXPECT_EQ(move->top, 0);
  EXPECT_EQ(move->bottom, 4);
  EXPECT_EQ(move->count, 2);
  Framebuffer c = a;
  c.scroll_down(1, 5, 1, Cell::blank());
  move = find_scroll(a, c);
  ASSERT_TRUE(move);
  EXPECT_EQ(move->top, 1);
  EXPECT_EQ(move->bottom, 5);
  EXPECT_EQ(move->count, -1);
  EXPECT_FALSE(find_scroll(a, a));
}

TEST(Scrollback, CopiesAreCheapAndIndependent) {
  Scrollback sb(1000);
  for (int i = 0; i < 300; ++i) sb.push(std::make_shared<Row>(4));
  Scrollback copy = sb;
  EXPECT_TRUE(copy == sb);
  copy.push(std::make_shared<Row>(4));
  EXPECT_EQ(sb.size(), 300u);
  EXPECT_EQ(copy.size(), 301u);
  EXPECT_FALSE(copy == sb);
  EXPECT_EQ(sb.line(299), copy.line(299));
}

TEST(Scrollback, DropsTheOldestBeyondTheLimit) {
  Scrollback sb(3);
  std::vector<RowRef> rows;
  for (int i = 0; i < 5; ++i) {
    rows.push_back(std::make_shared<Row>(4));
    sb.push(rows.back());
  }
  EXPECT_EQ(sb.size(), 3u);
  EXPECT_EQ(sb.total(), 5u);
  EXPECT_EQ(sb.line(0), rows[2]);
  sb.set_limit(1);
  EXPECT_EQ(sb.line(0), rows[4]);
  Scrollback none(0);
  none.push(rows[0]);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.total(), 1u);
}

TEST(Scrollback, VeryWideLinesAreHeldWithinTheCellBudget) {
  // A budget of 128 cells a line: 100 lines of 1,000 written cells cost what 100
  // ordinary lines of up to 128 would, so fewer are held.
  Scrollback sb(100);
  auto wide = [] {
    auto row = std::make_shared<Row>(1000);
    for (int x = 0; x < 1000; ++x) row->at(x) = Cell{U'x', kDefaultColor, kDefaultColor, 0, 1, 0};
    return row;
  };
  for (int i = 0; i < 100; ++i) sb.push(wide());
  EXPECT_LE(sb.cells(), 100u * kCellsPerLine);
  EXPECT_GE(sb.size(), 1u);
  EXPECT_LT(sb.size(), 20u);
  EXPECT_EQ(sb.total(), 100u);
  // Short lines: the line limit is what binds.
  Scrollback narrow(100);
  for (int i = 0; i < 300; ++i) {
    auto row = std::make_shared<Row>(80);
    for (int x = 0; x < 40; ++x) row->at(x) = Cell{U'y', kDefaultColor, kDefaultColor, 0, 1, 0};
    narrow.push(std::move(row));
  }
  EXPECT_EQ(narrow.size(), 100u);
  // Cutting to the newest n keeps the count right, whole chunks or not.
  narrow.keep_newest(10);
  EXPECT_EQ(narrow.size(), 10u);
  size_t cells = 0;
  for (size_t i = 0; i < narrow.size(); ++i) cells += narrow.line(i)->stored_cells();
  EXPECT_EQ(narrow.cells(), cells);
}

TEST(Scrollback, APackingScrollbackKeepsEveryLineAndItsGeneration) {
  // What a relay holds once a session is still: every chunk packed (the newest, a
  // partial one, too), read back as rows.
  Scrollback packed(1000), plain(1000);
  std::vector<uint64_t> gens;
  for (int i = 0; i < 1000; ++i) {
    auto row = std::make_shared<Row>(80);
    const std::string text = "line " + std::to_string(i) + ": the quick brown fox";
    for (size_t x = 0; x < text.size(); ++x) row->at(int(x)) = Cell{char32_t(text[x]), 0x01000003, kDefaultColor, 0, 1, 0};
    row->wrapped = i % 7 == 0;
    gens.push_back(row->gen);
    plain.push(row);
    packed.push(std::move(row));
  }
  ASSERT_EQ(packed.size(), 1000u);
  Scrollback earlier = packed;  // a copy sharing its chunks, as an older state does
  EXPECT_TRUE(packed.pack());
  EXPECT_FALSE(packed.pack());  // nothing more to pack
  EXPECT_FALSE(earlier.pack());  // packed in place: the copy's chunks are packed too
  EXPECT_TRUE(packed == plain);
  EXPECT_TRUE(earlier == plain);
  for (size_t i : {0u, 1u, 500u, 871u, 999u}) {
    EXPECT_EQ(packed.line(i)->text(), "line " + std::to_string(i) + ": the quick brown fox");
    EXPECT_EQ(packed.gen(i), gens[i]);
    EXPECT_EQ(packed.line(i)->gen, gens[i]);
    EXPECT_EQ(packed.line(i)->wrapped, i % 7 == 0);
    EXPECT_EQ(packed.line(i)->cell(0).fg, 0x01000003u);
  }
  EXPECT_EQ(packed.cells(), plain.cells());  // the budget counts lines as pushed
  // A hyperlink and an underline colour come back too.
  auto linked = std::make_shared<Row>(20);
  Cell c{U'x', kDefaultColor, kDefaultColor, 0, 1, 0};
  c.extra = linked->intern_extra(CellExtra{0x02102030, std::make_shared<const Hyperlink>(Hyperlink{"https://t.example/a", "id1"})});
  linked->at(3) = c;
  Scrollback with_link(1000);
  for (int i = 0; i < 300; ++i) with_link.push(i == 0 ? linked : std::make_shared<Row>(20));
  with_link.pack();
  const RowRef back = with_link.line(0);  // in a packed chunk
  ASSERT_NE(back->extra_at(3).link, nullptr);
  EXPECT_EQ(back->extra_at(3).link->uri, "https://t.example/a");
  EXPECT_EQ(back->extra_at(3).underline, 0x02102030u);
  // Dropping and cutting keep the count of what is held.
  Scrollback copy = packed;
  copy.keep_newest(300);
  EXPECT_EQ(copy.line(0)->text(), "line 700: the quick brown fox");
  copy.set_limit(10);
  EXPECT_EQ(copy.line(0)->text(), "line 990: the quick brown fox");
  EXPECT_EQ(packed.size(), 1000u);  // the original is untouched
  // Lines pushed onto the packed last chunk go on after it; a copy sharing it keeps it packed.
  Scrollback more = packed;
  for (int i = 1000; i < 1100; ++i) {
    auto row = std::make_shared<Row>(80);
    const std::string text = "line " + std::to_string(i);
    for (size_t x = 0; x < text.size(); ++x) row->at(int(x)) = Cell{char32_t(text[x])};
    more.push(std::move(row));
  }
  ASSERT_EQ(more.size(), 1000u);
  EXPECT_EQ(more.line(0)->text(), "line 100: the quick brown fox");
  EXPECT_EQ(more.line(899)->text(), "line 999: the quick brown fox");
  EXPECT_EQ(more.gen(899), gens[999]);
  EXPECT_EQ(more.line(900)->text(), "line 1000");
  EXPECT_EQ(more.line(999)->text(), "line 1099");
  EXPECT_FALSE(packed.pack());
  EXPECT_TRUE(packed == plain);
  EXPECT_TRUE(more.pack());  // the chunks made since
  EXPECT_EQ(more.line(999)->text(), "line 1099");
}

TEST(Scrollback, PackedLinesKeepGenerationsFarApartAndEmptyLines) {
  // A chunk's lines may be pushed far apart in time (a session idle while others
  // flood): generations more than 32 bits apart survive packing as they were.
  Scrollback s(1000);
  const uint64_t gens[] = {5, uint64_t(1) << 40, 7};
  for (int i = 0; i < 3; ++i) {
    auto row = std::make_shared<Row>(80);
    if (i != 2) row->at(0) = Cell{char32_t('a' + i)};  // the last line is blank
    row->gen = gens[i];
    s.push(std::move(row));
  }
  EXPECT_TRUE(s.pack());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s.gen(i), gens[i]);
    EXPECT_EQ(s.line(i)->gen, gens[i]);
  }
  EXPECT_EQ(s.line(0)->text(), "a");
  EXPECT_EQ(s.line(1)->text(), "b");
  EXPECT_EQ(s.line(2)->text(), "");
}

TEST(Scrollback, CopiesPushingOtherLinesKeepTheirOwn) {
  // A stream of states shares its last chunk; a copy pushing other lines than the one
  // that appended first gets its own.
  auto line = [](const std::string& text) {
    auto row = std::make_shared<Row>(40);
    for (size_t x = 0; x < text.size(); ++x) row->at(int(x)) = Cell{char32_t(text[x])};
    return row;
  };
  Scrollback a(1000);
  for (int i = 0; i < 130; ++i) a.push(line("a" + std::to_string(i)));
  Scrollback b = a;
  a.push(line("x"));
  b.push(line("y"));
  a.push(line("z"));
  Scrollback c = b;
  b.pack();  // packs b's chunks in place: a shares the older ones
  c.push(line("w"));
  ASSERT_EQ(a.size(), 132u);
  ASSERT_EQ(b.size(), 131u);
  ASSERT_EQ(c.size(), 132u);
  EXPECT_EQ(a.line(129)->text(), "a129");
  EXPECT_EQ(a.line(130)->text(), "x");
  EXPECT_EQ(a.line(131)->text(), "z");
  EXPECT_EQ(b.line(130)->text(), "y");
  EXPECT_EQ(c.line(130)->text(), "y");
  EXPECT_EQ(c.line(131)->text(), "w");
  EXPECT_EQ(a.line(0)->text(), "a0");
  a.keep_newest(2);
  EXPECT_EQ(a.line(0)->text(), "x");
  EXPECT_EQ(b.line(0)->text(), "a0");
}

TEST(Row, ErasingToTheEndStoresNothing) {
  Row row(100);
  row.at(3) = Cell{U'x'};
  row.fill(2, 100, Cell::blank(indexed_color(4)));
  EXPECT_EQ(row.cell(1), Cell::blank());
  EXPECT_EQ(row.cell(2), Cell::blank(indexed_color(4)));
  EXPECT_EQ(row.cell(99), Cell::blank(indexed_color(4)));
  Row other(100);
  other.fill(2, 100, Cell::blank(indexed_color(4)));
  EXPECT_TRUE(row.same_content(other));
}

TEST(Row, ClustersCompareByText) {
  Row a(4), b(4);
  a.at(0) = Cell{U'e'};
  a.add_mark(0, U'\u0301');
  b.at(1) = Cell{U'x'};
  b.add_mark(1, U'\u0308');  // a stale cluster in b's table shifts the indices
  b.at(1) = Cell{U' '};
  b.at(0) = Cell{U'e'};
  b.add_mark(0, U'\u0301');
  EXPECT_TRUE(a.same_content(b));
  EXPECT_EQ(a.text(), "e\xcc\x81");
}

}  // namespace
}  // namespace tandem::screen
