// leadctl: the administrators' command-line client of leadcapture.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tools/leadctl/leadctl.h"

int main(int argc, char** argv) {
  // The environment twins of the global flags; a flag given wins.
  leadcapture::leadctl::GlobalOptions defaults;
  if (const char* address = std::getenv("LEADCAPTURE_ADDRESS")) {
    defaults.address = address;
  }
  if (const char* token_file = std::getenv("LEADCAPTURE_TOKEN_FILE")) {
    defaults.token_file = token_file;
  }

  const std::vector<std::string> args(argv + 1, argv + argc);
  return leadcapture::leadctl::RunLeadctl(args, defaults, std::cin, std::cout,
                                          std::cerr);
}
