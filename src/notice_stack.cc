#include "src/notice_stack.h"

#include <algorithm>

namespace tandem {

void NoticeStack::push(std::string text, uint64_t until_ms, std::string kind) {
  if (!kind.empty()) {
    auto same = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.kind == kind; });
    if (same != entries_.end()) entries_.erase(same);
  }
  entries_.push_back(Entry{std::move(text), std::move(kind), until_ms});
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

std::vector<std::string> NoticeStack::lines() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.text);
  if (folded_ > 0 && !out.empty()) out.front() = "(+" + std::to_string(folded_) + " earlier) " + out.front();
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
