// net/status_map: HTTP and curl outcomes to tc_status, and the message a
// failed completion carries.
#include "unit.hpp"

#include "net/status_map.hpp"

#include <curl/curl.h>

using namespace tc::net;

static void http_statuses(void **) {
    for (int s = 200; s < 300; ++s) assert_int_equal(status_from_http(s), TC_OK);
    assert_int_equal(status_from_http(400), TC_EBADREQUEST);
    assert_int_equal(status_from_http(401), TC_EAUTH);
    assert_int_equal(status_from_http(403), TC_EFORBIDDEN);
    assert_int_equal(status_from_http(404), TC_ENOTFOUND);
    assert_int_equal(status_from_http(409), TC_ECONFLICT);
    assert_int_equal(status_from_http(410), TC_EGONE);
    assert_int_equal(status_from_http(413), TC_ETOOLARGE);
    assert_int_equal(status_from_http(429), TC_ERATELIMIT);
    for (int s = 500; s < 600; ++s) assert_int_equal(status_from_http(s), TC_ESERVER);
    const int other[] = {0, 100, 199, 300, 301, 304, 399, 402, 405, 408, 422, 499, 600, 999, -1};
    for (int s : other) assert_int_equal(status_from_http(s), TC_EHTTP);
}

static void curl_codes(void **) {
    assert_int_equal(status_from_curl(CURLE_OK), TC_OK);
    assert_int_equal(status_from_curl(CURLE_OPERATION_TIMEDOUT), TC_ETIMEDOUT);
    assert_int_equal(status_from_curl(CURLE_OUT_OF_MEMORY), TC_ENOMEM);
    const int tls[] = {CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
                       CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
                       CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE};
    for (int c : tls) assert_int_equal(status_from_curl(c), TC_ETLS);
    assert_int_equal(status_from_curl(CURLE_URL_MALFORMAT), TC_EINVAL);
    assert_int_equal(status_from_curl(CURLE_UNSUPPORTED_PROTOCOL), TC_EINVAL);
    const int net[] = {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY,
                       CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
                       CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK};
    for (int c : net) assert_int_equal(status_from_curl(c), TC_ENETWORK);
}

static void result_precedence(void **) {
    HttpResult r;
    r.http_status = 200;
    assert_int_equal(status_from_result(r), TC_OK);
    r.http_status = 404;
    assert_int_equal(status_from_result(r), TC_ENOTFOUND);
    r.curl_code = CURLE_OPERATION_TIMEDOUT;  // a transport error wins over any status
    assert_int_equal(status_from_result(r), TC_ETIMEDOUT);
    r.too_large = true;
    assert_int_equal(status_from_result(r), TC_ETOOLARGE);
    r.canceled = true;  // cancellation wins over everything
    assert_int_equal(status_from_result(r), TC_ECANCELED);
}

static void messages(void **) {
    HttpResult r;
    r.http_status = 204;
    TC_ASSERT_STR(message_from_result(r), "");

    r.http_status = 400;
    r.body = "{\"error\":\"Bad Request\",\"status\":400,\"message\":\"shard_count must be > 0\"}";
    TC_ASSERT_STR(message_from_result(r), "shard_count must be > 0");

    r.body = "{\"error\":\"Bad Request\",\"status\":400,\"message\":\"\"}";
    TC_ASSERT_STR(message_from_result(r), "HTTP 400");
    r.body = "{\"message\":5}";
    TC_ASSERT_STR(message_from_result(r), "HTTP 400");
    r.body = "<html>bad gateway</html>";
    r.http_status = 502;
    TC_ASSERT_STR(message_from_result(r), "HTTP 502");
    r.body.clear();
    TC_ASSERT_STR(message_from_result(r), "HTTP 502");

    r.curl_code = CURLE_COULDNT_CONNECT;
    r.error = "Failed to connect to 127.0.0.1 port 1: Connection refused";
    TC_ASSERT_STR(message_from_result(r), r.error);

    r.too_large = true;
    TC_ASSERT_STR(message_from_result(r), "response body exceeds max_response_bytes");
    r.canceled = true;
    TC_ASSERT_STR(message_from_result(r), "operation canceled");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_statuses),
        cmocka_unit_test(curl_codes),
        cmocka_unit_test(result_precedence),
        cmocka_unit_test(messages),
    };
    return cmocka_run_group_tests_name("status_map", tests, nullptr, nullptr);
}
