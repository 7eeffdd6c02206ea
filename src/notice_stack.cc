#include "src/notice_stack.h"

#include <algorithm>

namespace tandem {

void NoticeStack::push(std::string text, uint64_t until_ms, std::string kind) {
  push(std::vector<std::string>{std::move(text)}, until_ms, std::move(kind));
}

void NoticeStack::push(std::vector<std::string> forms, uint64_t until_ms, std::string kind) {
  if (forms.empty()) return;
  if (!kind.empty()) {
    auto same = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.kind == kind; });
    if (same != entries_.end()) entries_.erase(same);
  }
  entries_.push_back(Entry{std::move(forms), std::move(kind), until_ms});
  while (entries_.size() > kMaxLines) {
    entries_.pop_front();
    ++folded_;
  }
}

bool NoticeStack::expire(uint64_t now_ms) {
  const size_t before = entries_.size();
  std::erase_if(entries_, [&](const Entry& e) { return e.until_ms <= now_ms; });
  if (entries_.empty()) folded_ = 0;
  return entries_.size() != before;
}

void NoticeStack::clear() {
  entries_.clear();
  folded_ = 0;
}

std::vector<std::string> NoticeStack::lines(size_t cols) const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    // Bytes count as columns: notices are ASCII, and UTF-8 is never narrower.
    const std::string before = out.empty() && folded_ > 0 ? "(+" + std::to_string(folded_) + " earlier) " : "";
    auto fits = std::find_if(e.forms.begin(), e.forms.end(),
                             [&](const std::string& form) { return before.size() + form.size() <= cols; });
    out.push_back(before + (fits != e.forms.end() ? *fits : e.forms.back()));
  }
  return out;
}

std::optional<uint64_t> NoticeStack::next_expiry() const {
  std::optional<uint64_t> next;
  for (const Entry& e : entries_) {
    if (!next || e.until_ms < *next) next = e.until_ms;
  }
  return next;
}

}  // namespace tandem
