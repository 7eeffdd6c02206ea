// tandem-bench sub-commands. Each prints one JSON object per line on stdout.
#pragma once

#include <string>
#include <vector>

namespace tandem::bench {

// Returns the process exit code.
int emulator_main(const std::vector<std::string>& args);
int display_main(const std::vector<std::string>& args);
int transport_main(const std::vector<std::string>& args);
int sync_main(const std::vector<std::string>& args);
int session_main(const std::vector<std::string>& args);
int scale_main(const std::vector<std::string>& args);
int tmate_main(const std::vector<std::string>& args);
int web_main(const std::vector<std::string>& args);

bool parse_size(const std::string& text, int& cols, int& rows);

}  // namespace tandem::bench
