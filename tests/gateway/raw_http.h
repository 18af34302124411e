// Plain-socket HTTP for tests that must see the bytes on the wire (the
// httplib client decodes header values and fixes framing).
#ifndef LEADCAPTURE_TESTS_GATEWAY_RAW_HTTP_H_
#define LEADCAPTURE_TESTS_GATEWAY_RAW_HTTP_H_

#include <string>

namespace leadcapture::gateway {

// Sends `request` as it is to 127.0.0.1:`port` and returns all that comes
// back until the server closes the connection (5 s at most).
std::string RawExchange(int port, const std::string& request);

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_TESTS_GATEWAY_RAW_HTTP_H_
