// tandem: instant terminal sharing that survives bad networks.
//
// The sub-commands are a table (kCommands); dispatch, `tandem help`, each command's
// --help and the message for an unknown command are all made from it.
#include <event2/event.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands.h"

namespace tandem {
namespace {

constexpr size_t kHelpColumn = 24;  // where a flag's help starts (on the next line, after a longer flag)

int cmd_help(const Options& args);

const Command kHelp{
    .name = "help",
    .usage = "[COMMAND]",
    .summary = "this overview, or one command's usage and options",
    .description =
        "tandem help lists the commands and the options of share, the default;\n"
        "tandem help COMMAND (or tandem COMMAND --help) shows that command's.",
    .max_positionals = 1,
    .run = cmd_help,
};

// The first is the default: what `tandem` alone, or with options first, runs.
const Command* const kCommands[] = {&kShare, &kJoin, &kRelay, &kStatus, &kLinks, &kWaitReady, &kKick, &kRotate, &kHelp};
const Command& kDefault = *kCommands[0];

constexpr Flag kHelpFlag{.name = "help", .short_name = 'h', .help = "show this help"};

const Command* find_command(std::string_view name) {
  for (const Command* c : kCommands) {
    if (c->name == name) return c;
  }
  return nullptr;
}

// `text` with each line after the first indented by `indent` columns.
std::string indented(std::string_view text, size_t indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(indent, ' ');
  }
  return out;
}

// One usage line: "tandem NAME USAGE", its continuation lines under USAGE.
std::string usage_line(std::string_view lead, std::string_view name, const Command& c) {
  std::string line(lead);
  line += "tandem ";
  line += name;
  if (!c.usage.empty()) {
    line += ' ';
    line += indented(c.usage, line.size());
  }
  line += '\n';
  return line;
}

// "  -x, --name VALUE  help", and -h, --help last.
std::string flag_lines(std::span<const Flag> flags) {
  std::string out;
  auto add = [&](const Flag& f) {
    std::string line = "  ";
    if (f.short_name) line += std::string("-") + f.short_name + ", ";
    line += "--" + std::string(f.name);
    if (!f.value.empty())
      line += (f.value_optional ? "[=" : " ") + std::string(f.value) + (f.value_optional ? "]" : "");
    line += line.size() + 2 > kHelpColumn ? "\n" + std::string(kHelpColumn, ' ')
                                          : std::string(kHelpColumn - line.size(), ' ');
    out += line + indented(f.help, kHelpColumn) + "\n";
  };
  for (const Flag& f : flags) add(f);
  add(kHelpFlag);
  return out;
}

void print_help(const Command& c) {
  std::string text = usage_line("usage: ", c.name, c);
  text += '\n';
  text += c.description;
  text += "\n\noptions:\n";
  text += flag_lines(c.flags);
  std::fputs(text.c_str(), stdout);
}

// `tandem --help`: every command's usage and summary, then the default's options.
void print_overview() {
  std::string text;
  for (const Command* c : kCommands) {
    std::string name(c->name);
    if (c == &kDefault) name = '[' + name + ']';
    text += usage_line(text.empty() ? "usage: " : "       ", name, *c);
  }
  text += "       tandem --version\n\n" + std::string(kDefault.description) + "\n\ncommands:\n";
  size_t width = 0;
  for (const Command* c : kCommands) width = std::max(width, c->name.size());
  for (const Command* c : kCommands) {
    text += "  " + std::string(c->name) + std::string(width + 2 - c->name.size(), ' ') + std::string(c->summary) + "\n";
  }
  text += "\noptions of " + std::string(kDefault.name) + " (tandem help COMMAND shows another's):\n" +
          flag_lines(kDefault.flags);
  std::fputs(text.c_str(), stdout);
}

int unknown_command(std::string_view name) {
  std::string known;
  for (const Command* c : kCommands) {
    known += (known.empty() ? "" : c == kCommands[std::size(kCommands) - 1] ? " and " : ", ") + std::string(c->name);
  }
  std::fprintf(stderr, "tandem: unknown command '%.*s'; the commands are %s (see tandem --help)\n", int(name.size()),
               name.data(), known.c_str());
  return 2;
}

int cmd_help(const Options& args) {
  if (args.positionals().empty()) {
    print_overview();
    return 0;
  }
  const Command* c = find_command(args.positionals()[0]);
  if (!c) return unknown_command(args.positionals()[0]);
  print_help(*c);
  return 0;
}

}  // namespace
}  // namespace tandem

int main(int argc, char** argv) {
  using namespace tandem;
  // libevent's warnings would land on the terminal we draw; they are not for users.
  event_set_log_callback([](int, const char*) {});
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--version" || args[0] == "-V")) {
    std::printf("tandem %s\n", TANDEM_VERSION);
    return 0;
  }
  // `tandem NAME ...` runs NAME; anything else, options first or nothing, the default.
  const bool named = !args.empty() && !args[0].empty() && args[0][0] != '-';
  const Command* command = &kDefault;
  std::string invoked_as = "tandem";
  std::span<const std::string> rest = args;
  if (named) {
    command = find_command(args[0]);
    if (!command) return unknown_command(args[0]);
    invoked_as += " " + args[0];
    rest = rest.subspan(1);
  }
  std::string error;
  std::optional<Options> options = Options::parse(*command, invoked_as, rest, &error);
  if (!options) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  if (options->help()) {
    if (named) {
      print_help(*command);
    } else {
      print_overview();  // `tandem --help`: it ends with the default's options
    }
    return 0;
  }
  return command->run(*options);
}
