#include "services/util/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "services/util/log.h"

namespace leadcapture {

std::string RandomBytes(std::size_t count) {
  std::string buffer(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buffer.data()),
                 static_cast<int>(buffer.size())) != 1) {
    LogError("the CSPRNG failed; cannot make secure identifiers");
    std::abort();
  }
  return buffer;
}

std::string RandomHex(std::size_t bytes) {
  const std::string buffer = RandomBytes(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : buffer) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string NewId() { return RandomHex(16); }

std::string NewApiKey() { return RandomHex(16); }

}  // namespace leadcapture
