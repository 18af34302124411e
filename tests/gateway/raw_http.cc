#include "tests/gateway/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace leadcapture::gateway {

std::string RawExchange(int port, const std::string& request) {
  std::string response;
  const int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) return response;
  timeval timeout{5, 0};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
          0 &&
      send(sock, request.data(), request.size(), 0) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    ssize_t n;
    while ((n = recv(sock, buffer, sizeof(buffer), 0)) > 0) {
      response.append(buffer, n);
    }
  }
  close(sock);
  return response;
}

}  // namespace leadcapture::gateway
