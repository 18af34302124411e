// Identifiers and secrets from the operating system's CSPRNG.
#ifndef LEADCAPTURE_SERVICES_UTIL_RANDOM_H_
#define LEADCAPTURE_SERVICES_UTIL_RANDOM_H_

#include <cstddef>
#include <string>

namespace leadcapture {

// `count` random bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails.
std::string RandomBytes(std::size_t count);

// `bytes` random bytes from OpenSSL's CSPRNG, as lowercase hex
// (2 * bytes characters). Aborts if the CSPRNG fails, as nothing secure can
// be made then.
std::string RandomHex(std::size_t bytes);

// A new record id: 128 random bits, 32 lowercase hex characters.
std::string NewId();

// A new entry point API key: 128 random bits, 32 lowercase hex characters.
std::string NewApiKey();

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_UTIL_RANDOM_H_
