// RFC 6455 framing for the mock's WebSocket server side: encoding the
// server's (unmasked) frames and decoding the client's (masked) ones. Pure
// functions and a byte-fed reader, no I/O: unit-tested on their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tcm {

enum WsOpcode : unsigned {
  kWsContinuation = 0x0,
  kWsText = 0x1,
  kWsBinary = 0x2,
  kWsClose = 0x8,
  kWsPing = 0x9,
  kWsPong = 0xA,
};

// Close codes the server itself uses (RFC 6455 §7.4.1).
constexpr int kWsCloseNormal = 1000;
constexpr int kWsCloseGoingAway = 1001;
constexpr int kWsCloseProtocolError = 1002;
constexpr int kWsCloseTooBig = 1009;

// One complete frame, FIN set, no mask (servers never mask).
std::string ws_encode(unsigned opcode, const std::string &payload);
// A close frame's payload: the code big-endian, then the reason (cut to fit
// the 125-byte control frame limit).
std::string ws_close_payload(int code, const std::string &reason);
// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (base64 of SHA-1).
std::string ws_accept_key(const std::string &client_key);

// What the reader hands out: whole messages (fragments joined), control
// frames, or a protocol error after which the connection must be closed.
struct WsEvent {
  enum Kind { kNone, kMessage, kPing, kPong, kClose, kError } kind = kNone;
  unsigned opcode = 0;   // kMessage: kWsText or kWsBinary
  std::string payload;   // message data, ping/pong data, close reason
  int close_code = 0;    // kClose: the client's code (1005 when none); kError: the code to close with
};

class WsReader {
 public:
  // `max_message` bounds a message (all fragments); bigger is a 1009 error.
  explicit WsReader(std::size_t max_message = 1 << 20) : max_(max_message) {}
  // Appends received bytes.
  void feed(const char *data, std::size_t n) { buf_.append(data, n); }
  // The next event, or kNone when more bytes are needed. After kError
  // every call returns the same error.
  WsEvent next();

 private:
  std::string buf_;
  std::size_t max_;
  std::string partial_;       // fragments of the message in progress
  unsigned partial_op_ = 0;   // its opcode; 0 = none in progress
  bool failed_ = false;
  WsEvent error_;
  WsEvent protocol_error(int code, const char *why);
};

}  // namespace tcm
