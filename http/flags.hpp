// The server's command line: flags with environment twins (a flag given wins), `--help`.
#pragma once

#include <map>
#include <string>

namespace sb::http {

// Fills `out` with every flag (environment, then command line, else the default); `replay` and
// `add_workspace` tell the subcommand. False (after printing why) on a bad command line.
bool parse_flags(int argc, char** argv, std::map<std::string, std::string>& out, bool& replay,
                 bool& add_workspace);
// A decimal unsigned number no bigger than `max`.
bool to_uint(const std::string& s, unsigned long long max, unsigned long long& out);

}  // namespace sb::http
