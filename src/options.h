// The one parser of every sub-command's arguments, driven by its Command's flags.
//
// It takes `--flag value` and `--flag=value`, switches (`--json`), flags whose value is
// optional (`--qr` or `--qr=rw`: only the `=` form gives one), short names where a
// flag has one (`-h`), flags before, between and after the operands, and stops at `--`:
// what follows is the command to run (share's `-- CMD ARGS`), or more operands for a
// command that runs none. It refuses an unknown flag, a missing value, a value given
// to a switch and operands beyond the command's maximum, with one line that names the
// command and points at its --help (exit code 2 is the caller's). Typed getters check
// a value's range and say in words what was wanted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/command.h"

namespace tandem {

struct Range {
  long low, high;  // both allowed
};
constexpr Range kAnyPort{0, 65535};  // 0: any free one
constexpr Range kPort{1, 65535};

// `text` as a decimal number within `range` (digits, a '-' at most: no '+', spaces or suffix), or nothing.
std::optional<long> parse_number(std::string_view text, Range range);

class Options {
 public:
  // `args` are those after the command's name; `invoked_as` names it in messages, as the
  // user typed it ("tandem" for the default command, "tandem join"). Nothing, and
  // `error`, if they do not fit `command` (which must outlive the Options: the tables
  // are static).
  static std::optional<Options> parse(const Command& command, std::string_view invoked_as,
                                      std::span<const std::string> args, std::string* error);

  bool help() const { return help_; }  // -h or --help: show the command's help instead
  bool has(std::string_view flag) const;
  // The flag's value (the last one, if given twice), or `fallback`.
  std::string value(std::string_view flag, std::string_view fallback = {}) const;
  // The flag's value as a number within `range` into `out`, if given (else `out` keeps its
  // default); false, with `error` in words naming `what` is wanted, if it is not one:
  // "tandem relay: --linger wants seconds (1 to 2592000), not 'x'".
  bool number(std::string_view flag, Range range, std::string_view what, long& out, std::string* error) const;
  bool port(std::string_view flag, Range range, std::optional<uint16_t>& out, std::string* error) const;

  const std::vector<std::string>& positionals() const { return positionals_; }
  const std::vector<std::string>& command() const { return command_; }  // after `--`
  const std::string& invoked_as() const { return invoked_as_; }

 private:
  Options(const Command& command, std::string_view invoked_as) : entry_(&command), invoked_as_(invoked_as) {}
  const Flag& declared(std::string_view flag) const;

  const Command* entry_;
  std::string invoked_as_;
  bool help_ = false;
  std::map<std::string, std::string, std::less<>> values_;  // by long name; "" for a switch
  std::vector<std::string> positionals_;
  std::vector<std::string> command_;
};

}  // namespace tandem
