// RFC 6455 framing of the mock's WebSocket server (tools/mock/ws_frame.cpp).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>

#include "ws_frame.hpp"

using namespace tcm;

namespace {

// A client frame: masked with `key`.
std::string client_frame(unsigned opcode, const std::string &payload, bool fin = true, bool mask = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  const std::size_t n = payload.size();
  const char m = mask ? static_cast<char>(0x80) : 0;
  if (n < 126) {
    f.push_back(static_cast<char>(m | n));
  } else if (n <= 0xffff) {
    f.push_back(static_cast<char>(m | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(m | 127));
    for (int s = 56; s >= 0; s -= 8) f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> s) & 0xff));
  }
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (mask) f.append(reinterpret_cast<const char *>(key), 4);
  for (std::size_t i = 0; i < n; ++i) f.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return f;
}

void test_encode_lengths(void **) {
  std::string f = ws_encode(kWsText, "Hello");  // RFC 6455 §5.7's unmasked example
  assert_true(f == std::string("\x81\x05Hello", 7));
  f = ws_encode(kWsBinary, std::string(126, 'a'));
  assert_int_equal(static_cast<unsigned char>(f[0]), 0x82);
  assert_int_equal(static_cast<unsigned char>(f[1]), 126);
  assert_int_equal((static_cast<unsigned char>(f[2]) << 8) | static_cast<unsigned char>(f[3]), 126);
  assert_int_equal(f.size(), 4 + 126);
  f = ws_encode(kWsText, std::string(65535, 'a'));
  assert_int_equal(static_cast<unsigned char>(f[1]), 126);
  assert_int_equal(f.size(), 4 + 65535);
  f = ws_encode(kWsText, std::string(65536, 'a'));
  assert_int_equal(static_cast<unsigned char>(f[1]), 127);
  assert_true(f.substr(2, 8) == std::string("\0\0\0\0\0\x01\0\0", 8));
  assert_int_equal(f.size(), 10 + 65536);
  f = ws_encode(kWsPing, "");
  assert_true(f == std::string("\x89\x00", 2));
}

void test_close_payload_and_accept(void **) {
  std::string p = ws_close_payload(4003, "connection unused");
  assert_int_equal(static_cast<unsigned char>(p[0]), 0x0f);
  assert_int_equal(static_cast<unsigned char>(p[1]), 0xa3);
  assert_true(p.substr(2) == "connection unused");
  assert_int_equal(ws_close_payload(1000, std::string(300, 'r')).size(), 125);  // fits a control frame
  // RFC 6455 §1.3's example key.
  assert_true(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

void test_read_masked_frames(void **) {
  WsReader r;
  std::string bytes = client_frame(kWsText, "hi") + client_frame(kWsPong, "p") + client_frame(kWsPing, "") +
                      client_frame(kWsBinary, std::string(70000, 'z'));
  // Byte by byte: nothing comes out early.
  for (std::size_t i = 0; i < 3; ++i) {
    r.feed(&bytes[i], 1);
    assert_int_equal(r.next().kind, WsEvent::kNone);
  }
  r.feed(bytes.data() + 3, bytes.size() - 3);
  WsEvent e = r.next();
  assert_int_equal(e.kind, WsEvent::kMessage);
  assert_int_equal(e.opcode, kWsText);
  assert_true(e.payload == "hi");
  e = r.next();
  assert_int_equal(e.kind, WsEvent::kPong);
  assert_true(e.payload == "p");
  assert_int_equal(r.next().kind, WsEvent::kPing);
  e = r.next();
  assert_int_equal(e.kind, WsEvent::kMessage);
  assert_int_equal(e.opcode, kWsBinary);
  assert_int_equal(e.payload.size(), 70000);
  assert_int_equal(r.next().kind, WsEvent::kNone);
}

void test_fragments_and_close(void **) {
  WsReader r;
  std::string bytes = client_frame(kWsText, "frag", false) + client_frame(kWsPing, "x") +
                      client_frame(kWsContinuation, "men", false) + client_frame(kWsContinuation, "ted") +
                      client_frame(kWsClose, ws_close_payload(1000, "bye")) + client_frame(kWsClose, "");
  r.feed(bytes.data(), bytes.size());
  assert_int_equal(r.next().kind, WsEvent::kPing);  // control frames may come between fragments
  WsEvent e = r.next();
  assert_int_equal(e.kind, WsEvent::kMessage);
  assert_true(e.payload == "fragmented");
  e = r.next();
  assert_int_equal(e.kind, WsEvent::kClose);
  assert_int_equal(e.close_code, 1000);
  assert_true(e.payload == "bye");
  e = r.next();
  assert_int_equal(e.kind, WsEvent::kClose);
  assert_int_equal(e.close_code, 1005);
}

void expect_error(const std::string &bytes, int code, std::size_t max = 1 << 20) {
  WsReader r(max);
  r.feed(bytes.data(), bytes.size());
  WsEvent e = r.next();
  assert_int_equal(e.kind, WsEvent::kError);
  assert_int_equal(e.close_code, code);
  assert_int_equal(r.next().kind, WsEvent::kError);  // sticky
}

void test_protocol_errors(void **) {
  expect_error(client_frame(kWsText, "x", true, false), kWsCloseProtocolError);         // unmasked
  expect_error(client_frame(kWsContinuation, "x"), kWsCloseProtocolError);              // nothing to continue
  expect_error(client_frame(kWsText, "a", false) + client_frame(kWsText, "b"), kWsCloseProtocolError);
  expect_error(client_frame(kWsPing, std::string(126, 'p')), kWsCloseProtocolError);    // control > 125
  expect_error(client_frame(kWsPing, "p", false), kWsCloseProtocolError);               // fragmented control
  expect_error(client_frame(0x3, "x"), kWsCloseProtocolError);                          // reserved opcode
  expect_error(client_frame(kWsClose, "x"), kWsCloseProtocolError);                     // 1-byte close
  std::string rsv = client_frame(kWsText, "x");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);
  expect_error(rsv, kWsCloseProtocolError);
  expect_error(client_frame(kWsText, std::string(100, 'a')), kWsCloseTooBig, 50);
  expect_error(client_frame(kWsText, std::string(40, 'a'), false) + client_frame(kWsContinuation, std::string(40, 'a')),
               kWsCloseTooBig, 50);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_lengths),      cmocka_unit_test(test_close_payload_and_accept),
      cmocka_unit_test(test_read_masked_frames),  cmocka_unit_test(test_fragments_and_close),
      cmocka_unit_test(test_protocol_errors),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
