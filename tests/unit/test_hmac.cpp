// events/hmac: HMAC-SHA256 from prepared states against RFC 4231's test
// vectors (short, long and hashed keys; messages split into parts).
#include "unit.hpp"

#include "events/hmac.hpp"

#include <string>
#include <string_view>

using tc::events::HmacSha256;

namespace {

std::string hex(const unsigned char *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out.push_back(digits[p[i] >> 4]);
        out.push_back(digits[p[i] & 15]);
    }
    return out;
}

std::string mac_hex(std::string_view key, std::string_view message) {
    HmacSha256 h(key);
    unsigned char out[32];
    assert_true(h.mac(&message, 1, out));
    return hex(out, sizeof out);
}

void rfc4231_case_1_short_key(void **) {
    TC_ASSERT_STR(mac_hex(std::string(20, '\x0b'), "Hi There"),
                  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

void rfc4231_case_2_key_shorter_than_the_output(void **) {
    TC_ASSERT_STR(mac_hex("Jefe", "what do ya want for nothing?"),
                  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

void rfc4231_case_6_key_longer_than_a_block_is_hashed(void **) {
    TC_ASSERT_STR(mac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
                  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

void parts_equal_the_concatenation_and_states_are_reused(void **) {
    HmacSha256 h("Jefe");
    const std::string_view parts[] = {"what do ", "", "ya want for nothing?"};
    unsigned char out[32];
    for (int round = 0; round < 3; ++round) {  // the prepared states are not consumed
        assert_true(h.mac(parts, 3, out));
        TC_ASSERT_STR(hex(out, sizeof out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}

}  // namespace

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4231_case_1_short_key),
        cmocka_unit_test(rfc4231_case_2_key_shorter_than_the_output),
        cmocka_unit_test(rfc4231_case_6_key_longer_than_a_block_is_hashed),
        cmocka_unit_test(parts_equal_the_concatenation_and_states_are_reused),
    };
    return cmocka_run_group_tests_name("hmac", tests, nullptr, nullptr);
}
