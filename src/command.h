// A sub-command of `tandem`, declared as data (after tmux's cmd_entry): its name, its
// usage line, a description, its flags and the function that runs it. main.cc lists
// them in one table; dispatch, `tandem help`, every `--help` and the messages for a
// wrong command or flag are made from it, so a command's help cannot drift from
// what it accepts. Adding a command is one file (cmd_NAME.cc) and one table line.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace tandem {

class Options;

struct Flag {
  std::string_view name = {};   // the long name without its dashes: "listen" for --listen
  char short_name = 0;          // 'x' for -x; 0: none
  std::string_view value = {};  // what its value is called ("ADDR:PORT"); empty: a switch, no value
  bool value_optional = false;  // only --name=VALUE gives it one; --name alone is a switch (--qr, --qr=rw)
  std::string_view help = {};   // for --help; '\n' starts another line
};

struct Command {
  std::string_view name = {};            // `tandem NAME`
  std::string_view usage = {};           // what follows `tandem NAME` in a usage line; '\n' continues it
  std::string_view summary = {};         // a few words for the list of commands
  std::string_view description = {};     // a paragraph for `tandem help NAME`, lines within 80 columns
  std::span<const Flag> flags = {};      // besides -h/--help, which every command has
  size_t max_positionals = 0;            // operands besides the flags (join's LINK)
  bool takes_command = false;            // what follows `--` is a command to run (share's -- CMD ARGS)
  int (*run)(const Options&) = nullptr;  // returns the exit code
};

}  // namespace tandem
