#include "relay/log.h"

#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace tandem::relay {
namespace {

bool enabled = false;

}  // namespace

void enable_log(bool on) { enabled = on; }

void log(const char* format, ...) {
  if (!enabled) return;
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::gmtime(&now));
  std::fprintf(stderr, "%s ", stamp);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fflush(stderr);
}

}  // namespace tandem::relay
