#include "src/options.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace tandem {
namespace {

const Flag* find_long(const Command& command, std::string_view name) {
  for (const Flag& f : command.flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Flag* find_short(const Command& command, char name) {
  for (const Flag& f : command.flags) {
    if (f.short_name && f.short_name == name) return &f;
  }
  return nullptr;
}

// Where a wrong command line is pointed: its help, and for a command that runs
// another, the reminder that that one goes after `--`.
std::string see_help(const Command& command, std::string_view invoked_as) {
  return std::string(" (") + (command.takes_command ? "a command goes after --; " : "") + "see " +
         std::string(invoked_as) + " --help)";
}

}  // namespace

std::optional<long> parse_number(std::string_view text, Range range) {
  long n = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, n);
  if (text.empty() || ec != std::errc() || stop != end || n < range.low || n > range.high) return std::nullopt;
  return n;
}

std::optional<Options> Options::parse(const Command& command, std::string_view invoked_as,
                                      std::span<const std::string> args, std::string* error) {
  Options options(command, invoked_as);
  auto refuse = [&](const std::string& why) {
    *error = std::string(invoked_as) + ": " + why + see_help(command, invoked_as);
    return std::nullopt;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      auto rest = args.subspan(i + 1);
      (command.takes_command ? options.command_ : options.positionals_).assign(rest.begin(), rest.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      options.positionals_.push_back(a);
      continue;
    }
    // -x, --name or --name=value
    const bool is_long = a[1] == '-';
    std::string_view name = is_long ? std::string_view(a).substr(2) : std::string_view(a).substr(1);
    std::optional<std::string> inline_value;
    if (const size_t eq = name.find('='); is_long && eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const Flag* flag = is_long ? find_long(command, name) : name.size() == 1 ? find_short(command, name[0]) : nullptr;
    if (!flag && !inline_value && (is_long ? name == "help" : name == "h")) {
      options.help_ = true;
      continue;
    }
    if (!flag) return refuse("unknown option '" + (inline_value ? a.substr(0, a.find('=')) : a) + "'");
    const std::string spelled = is_long ? "--" + std::string(flag->name) : a;
    if (flag->value.empty()) {
      if (inline_value) return refuse(spelled + " takes no value");
      options.values_[std::string(flag->name)] = "";
    } else if (inline_value || flag->value_optional) {
      options.values_[std::string(flag->name)] = inline_value.value_or("");
    } else if (i + 1 < args.size() && args[i + 1] != "--") {
      options.values_[std::string(flag->name)] = args[++i];
    } else {
      return refuse(spelled + " wants " + std::string(flag->value));
    }
  }
  if (options.positionals_.size() > command.max_positionals) {
    return refuse("unexpected '" + options.positionals_[command.max_positionals] + "'");
  }
  return options;
}

const Flag& Options::declared(std::string_view flag) const {
  const Flag* f = find_long(*entry_, flag);
  if (!f) {
    // A misspelt name in a cmd_*.cc, not the user's doing: fail loudly in the first test.
    std::fprintf(stderr, "tandem: internal error: '%.*s' is not a flag of %.*s\n", int(flag.size()), flag.data(),
                 int(entry_->name.size()), entry_->name.data());
    std::abort();
  }
  return *f;
}

bool Options::has(std::string_view flag) const {
  declared(flag);
  return values_.find(flag) != values_.end();
}

std::string Options::value(std::string_view flag, std::string_view fallback) const {
  declared(flag);
  auto it = values_.find(flag);
  return std::string(it == values_.end() ? fallback : std::string_view(it->second));
}

bool Options::number(std::string_view flag, Range range, std::string_view what, long& out, std::string* error) const {
  declared(flag);
  auto it = values_.find(flag);
  if (it == values_.end()) return true;
  std::optional<long> n = parse_number(it->second, range);
  if (!n) {
    *error = invoked_as_ + ": --" + std::string(flag) + " wants " + std::string(what) + " (" +
             std::to_string(range.low) + " to " + std::to_string(range.high) + "), not '" + it->second + "'";
    return false;
  }
  out = *n;
  return true;
}

bool Options::port(std::string_view flag, Range range, std::optional<uint16_t>& out, std::string* error) const {
  long n = 0;
  if (!has(flag)) return true;
  if (!number(flag, range, "a port number", n, error)) return false;
  out = uint16_t(n);
  return true;
}

}  // namespace tandem
