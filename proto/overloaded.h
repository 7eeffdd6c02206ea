// The visitor idiom for std::visit over a message variant: one lambda per type,
// combined into one callable.
#pragma once

namespace tandem {

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;  // clang 14 wants the guide

}  // namespace tandem
