#include "statesync/input_state.h"

#include "proto/sync.pb.h"

namespace tandem::statesync {

void InputState::push(InputEvent event) { events_.push_back(std::move(event)); }

void InputState::drop_before(uint64_t seq) {
  while (first_ < seq && !events_.empty()) {
    events_.pop_front();
    ++first_;
  }
  if (events_.empty() && first_ < seq) first_ = seq;
}

std::string InputState::diff_bytes_from(const InputState& old) const {
  proto::InputDiff d;
  uint64_t from = std::max(old.end(), first_);
  d.set_first_seq(from);
  for (uint64_t seq = from; seq < end(); ++seq) {
    proto::InputEvent* e = d.add_events();
    std::visit(
        [e](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Keys>) {
            e->set_keys(v.bytes);
          } else if constexpr (std::is_same_v<T, Resize>) {
            e->mutable_resize()->set_cols(v.cols);
            e->mutable_resize()->set_rows(v.rows);
          } else {
            e->set_notice(v.text);
          }
        },
        at(seq));
  }
  return d.SerializeAsString();
}

std::optional<Error> InputState::apply_bytes(std::span<const uint8_t> bytes) {
  proto::InputDiff d;
  if (!d.ParseFromArray(bytes.data(), int(bytes.size()))) return Error{"not an InputDiff message"};
  if (d.first_seq() > end()) return Error{"input diff skips events"};
  std::deque<InputEvent> fresh;
  uint64_t seq = d.first_seq();
  for (const proto::InputEvent& e : d.events()) {
    const uint64_t this_seq = seq++;
    switch (e.kind_case()) {
      case proto::InputEvent::kKeys:
        if (e.keys().size() > kMaxInputEventBytes) return Error{"input event too large"};
        if (this_seq >= end()) fresh.push_back(Keys{e.keys()});
        break;
      case proto::InputEvent::kResize:
        if (e.resize().cols() == 0 || e.resize().rows() == 0 || e.resize().cols() > uint32_t(screen::kMaxDimension) ||
            e.resize().rows() > uint32_t(screen::kMaxDimension)) {
          return Error{"bad resize"};
        }
        if (this_seq >= end()) fresh.push_back(Resize{uint16_t(e.resize().cols()), uint16_t(e.resize().rows())});
        break;
      case proto::InputEvent::kNotice:
        if (e.notice().size() > kMaxInputEventBytes) return Error{"notice too large"};
        if (this_seq >= end()) fresh.push_back(Notice{e.notice()});
        break;
      default:
        return Error{"unknown input event"};
    }
  }
  for (InputEvent& e : fresh) events_.push_back(std::move(e));
  return std::nullopt;
}

}  // namespace tandem::statesync
