#include "ws_frame.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <new>

namespace tcm {

std::string ws_encode(unsigned opcode, const std::string &payload) {
  std::string f;
  const std::uint64_t n = payload.size();
  f.reserve(n + 10);
  f.push_back(static_cast<char>(0x80 | (opcode & 0x0f)));
  if (n < 126) {
    f.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  f += payload;
  return f;
}

std::string ws_close_payload(int code, const std::string &reason) {
  std::string p;
  p.push_back(static_cast<char>((code >> 8) & 0xff));
  p.push_back(static_cast<char>(code & 0xff));
  p += reason.substr(0, 123);
  return p;
}

std::string ws_accept_key(const std::string &client_key) {
  const std::string in = client_key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  unsigned int len = 0;
  if (!EVP_Digest(in.data(), in.size(), digest, &len, EVP_sha1(), nullptr)) throw std::bad_alloc();
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<char *>(out), static_cast<std::size_t>(n));
}

WsEvent WsReader::protocol_error(int code, const char *why) {
  failed_ = true;
  error_ = WsEvent();
  error_.kind = WsEvent::kError;
  error_.close_code = code;
  error_.payload = why;
  buf_.clear();
  return error_;
}

WsEvent WsReader::next() {
  for (;;) {
    if (failed_) return error_;
    if (buf_.size() < 2) return WsEvent();
    const unsigned char b0 = static_cast<unsigned char>(buf_[0]), b1 = static_cast<unsigned char>(buf_[1]);
    const bool fin = b0 & 0x80;
    const unsigned op = b0 & 0x0f;
    if (b0 & 0x70) return protocol_error(kWsCloseProtocolError, "reserved bits set (no extension was negotiated)");
    if (!(b1 & 0x80)) return protocol_error(kWsCloseProtocolError, "client frame not masked");
    std::uint64_t len = b1 & 0x7f;
    std::size_t pos = 2;
    if (len == 126) {
      if (buf_.size() < 4) return WsEvent();
      len = (static_cast<std::uint64_t>(static_cast<unsigned char>(buf_[2])) << 8) |
            static_cast<unsigned char>(buf_[3]);
      pos = 4;
    } else if (len == 127) {
      if (buf_.size() < 10) return WsEvent();
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buf_[2 + i]);
      pos = 10;
      if (len >> 63) return protocol_error(kWsCloseProtocolError, "64-bit length with the top bit set");
    }
    const bool control = op & 0x8;
    if (control && (!fin || len > 125)) return protocol_error(kWsCloseProtocolError, "control frame fragmented or over 125 bytes");
    if (op != kWsContinuation && op != kWsText && op != kWsBinary && op != kWsClose && op != kWsPing && op != kWsPong)
      return protocol_error(kWsCloseProtocolError, "unknown opcode");
    if (!control && len + partial_.size() > max_) return protocol_error(kWsCloseTooBig, "message too big");
    if (buf_.size() < pos + 4 + len) return WsEvent();
    const unsigned char *mask = reinterpret_cast<const unsigned char *>(buf_.data() + pos);
    std::string payload = buf_.substr(pos + 4, static_cast<std::size_t>(len));
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
    buf_.erase(0, pos + 4 + static_cast<std::size_t>(len));

    WsEvent ev;
    if (op == kWsPing || op == kWsPong) {
      ev.kind = op == kWsPing ? WsEvent::kPing : WsEvent::kPong;
      ev.payload = std::move(payload);
      return ev;
    }
    if (op == kWsClose) {
      if (payload.size() == 1) return protocol_error(kWsCloseProtocolError, "close payload of one byte");
      ev.kind = WsEvent::kClose;
      ev.close_code = 1005;  // "no status received"
      if (payload.size() >= 2) {
        ev.close_code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
        ev.payload = payload.substr(2);
      }
      return ev;
    }
    if (op == kWsContinuation) {
      if (!partial_op_) return protocol_error(kWsCloseProtocolError, "continuation without a message in progress");
      partial_ += payload;
    } else {
      if (partial_op_) return protocol_error(kWsCloseProtocolError, "new message before the last one's final fragment");
      partial_op_ = op;
      partial_ = std::move(payload);
    }
    if (!fin) continue;  // wait for the rest
    ev.kind = WsEvent::kMessage;
    ev.opcode = partial_op_;
    ev.payload = std::move(partial_);
    partial_.clear();
    partial_op_ = 0;
    return ev;
  }
}

}  // namespace tcm
