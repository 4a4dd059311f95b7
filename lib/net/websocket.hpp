// One WebSocket client connection driven by the I/O loop's curl multi handle
// (libcurl's WebSocket support: frames arrive in the write callback and
// curl_ws_meta() describes them; libcurl answers Pings itself). It only
// receives: whole text messages (fragments reassembled, size bounded) are
// handed to the owner; the only frame it ever sends is a Close.
// Everything here runs on the loop thread; the owner's handlers run there
// too, but never inside a libcurl callback.
#pragma once

#include "net/io_loop.hpp"

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tc::net {

// Whether a libcurl with this protocol list speaks WebSocket: both "ws" and
// "wss" are listed. `protocols` is curl_version_info()->protocols.
bool websocket_protocols_supported(const char *const *protocols);
// The same for the libcurl in use (checked once).
bool websocket_supported();
// The message for TC_ENOTSUPPORTED when it does not.
extern const char *const kWebSocketUnsupported;

// How a connection ended.
struct WsEnd {
    enum class Why {
        Closed,         // the server sent a Close frame (close_code, reason)
        Dropped,        // the connection ended without a Close frame (or never opened)
        Refused,        // the server answered the upgrade with an HTTP status
        ProtocolError,  // a frame we do not accept: binary, too large, bad framing
        Canceled        // the loop stopped
    };
    Why why = Why::Dropped;
    int close_code = 0;     // Closed: the code (0 when the frame had none)
    std::string detail;     // one line: the reason text, curl's error, what was wrong
};

struct WsHandlers {
    std::function<void(std::string &&text)> on_message;  // one whole text message
    std::function<void(const WsEnd &end)> on_end;        // exactly once, last
};

class WebSocket {
public:
    // Starts connecting to `url` (ws:// or wss://). on_end runs (soon,
    // never inside open) when it cannot even start.
    static std::unique_ptr<WebSocket> open(IoLoop &loop, const std::string &url, size_t max_message_bytes,
                                           WsHandlers handlers);
    ~WebSocket();  // detaches silently (no handler runs)
    WebSocket(const WebSocket &) = delete;
    WebSocket &operator=(const WebSocket &) = delete;

    // Sends a Close frame with `code` (best effort) and ends the connection;
    // on_end does not run. Idempotent.
    void close(int code, const std::string &reason);
    // Sends a Close frame and keeps reading: messages the server sent before
    // its Close echo are still handed over, then on_end runs (Closed). For a
    // socket that is being replaced without losing what it carries.
    void close_gracefully(int code);
    bool open_now() const { return easy_ != nullptr; }
    uint64_t messages() const { return messages_; }

private:
    WebSocket(IoLoop &loop, size_t max_message_bytes, WsHandlers handlers);
    bool start(const std::string &url, std::string *error);
    static size_t on_write(char *data, size_t size, size_t n, void *userp);
    size_t take(const char *data, size_t len);
    void flush_soon();
    void flush();
    void finish(WsEnd end);
    void release_easy();
    void send_close(int code, const std::string &reason);

    IoLoop &loop_;
    size_t max_bytes_;
    WsHandlers handlers_;
    CURL *easy_ = nullptr;
    char error_[CURL_ERROR_SIZE] = {0};
    std::string partial_;          // the text message being reassembled
    std::string close_payload_;
    std::vector<std::string> ready_;  // whole messages not yet handed over
    bool have_end_ = false;           // a Close frame or protocol error was seen in the callback
    WsEnd pending_end_;
    IoLoop::TimerId flush_timer_ = 0;
    uint64_t messages_ = 0;
    bool ended_ = false;
    bool close_sent_ = false;  // our Close went out: the server's is the echo
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tc::net
