#include "net/websocket.hpp"

#include <cstring>
#include <utility>

namespace tc::net {

const char *const kWebSocketUnsupported =
    "this libcurl has no WebSocket support (ws/wss); install libcurl 8.11+ built with WebSockets "
    "(on Debian 12 from bookworm-backports)";

bool websocket_protocols_supported(const char *const *protocols) {
    if (protocols == nullptr) return false;
    bool ws = false, wss = false;
    for (const char *const *p = protocols; *p != nullptr; ++p) {
        if (std::strcmp(*p, "ws") == 0) ws = true;
        if (std::strcmp(*p, "wss") == 0) wss = true;
    }
    return ws && wss;
}

bool websocket_supported() {
    static const bool supported = [] {
        const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
        return info != nullptr && websocket_protocols_supported(info->protocols);
    }();
    return supported;
}

WebSocket::WebSocket(IoLoop &loop, size_t max_message_bytes, WsHandlers handlers)
    : loop_(loop), max_bytes_(max_message_bytes), handlers_(std::move(handlers)) {}

std::unique_ptr<WebSocket> WebSocket::open(IoLoop &loop, const std::string &url, size_t max_message_bytes,
                                           WsHandlers handlers) {
    std::unique_ptr<WebSocket> ws(new WebSocket(loop, max_message_bytes, std::move(handlers)));
    std::string error;
    if (!ws->start(url, &error)) {
        ws->release_easy();
        WsEnd end;
        end.why = WsEnd::Why::Dropped;
        end.detail = error;
        ws->pending_end_ = std::move(end);
        ws->have_end_ = true;
        ws->flush_soon();  // reported on the next turn, never inside open()
    }
    return ws;
}

WebSocket::~WebSocket() {
    *alive_ = false;
    if (flush_timer_ != 0) loop_.cancel_timer(flush_timer_);
    release_easy();
}

bool WebSocket::start(const std::string &url, std::string *error) {
    if (!websocket_supported()) {
        *error = kWebSocketUnsupported;
        return false;
    }
    easy_ = curl_easy_init();
    if (easy_ == nullptr) {
        *error = "curl_easy_init failed";
        return false;
    }
    const TransportConfig &cfg = loop_.config();
    CURL *e = easy_;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WebSocket::on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "ws,wss");
    // A socket lives for hours: it must never be reused for anything else.
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    if (!cfg.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, cfg.ca_file.c_str());
    if (!cfg.user_agent.empty()) curl_easy_setopt(e, CURLOPT_USERAGENT, cfg.user_agent.c_str());
    std::weak_ptr<bool> alive = alive_;
    const bool ok = loop_.attach(e, [this, alive](CURLcode code, bool canceled) {
        if (alive.expired()) return;
        WsEnd end;
        if (canceled) {
            end.why = WsEnd::Why::Canceled;
            end.detail = "canceled";
        } else if (have_end_) {
            end = pending_end_;
        } else {
            long status = 0;
            curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
            if (code == CURLE_HTTP_RETURNED_ERROR && status >= 200) {
                end.why = WsEnd::Why::Refused;
                end.detail = "the server refused the WebSocket upgrade with HTTP " + std::to_string(status);
            } else {
                end.why = WsEnd::Why::Dropped;
                end.detail = code == CURLE_OK ? std::string("the connection was closed without a close frame")
                                              : (error_[0] != '\0' ? std::string(error_) : curl_easy_strerror(code));
            }
        }
        // The easy handle is already out of the multi: free it, then report.
        curl_easy_cleanup(easy_);
        easy_ = nullptr;
        pending_end_ = std::move(end);
        have_end_ = true;
        flush();
    });
    if (!ok) {
        *error = "cannot add the WebSocket transfer to the I/O loop";
        return false;
    }
    return true;
}

void WebSocket::release_easy() {
    if (easy_ == nullptr) return;
    loop_.detach(easy_);
    curl_easy_cleanup(easy_);
    easy_ = nullptr;
}

size_t WebSocket::on_write(char *data, size_t size, size_t n, void *userp) {
    return static_cast<WebSocket *>(userp)->take(data, size * n);
}

// Inside libcurl: only collect; everything else happens in flush().
size_t WebSocket::take(const char *data, size_t len) {
    if (have_end_) return 0;
    const curl_ws_frame *meta = curl_ws_meta(easy_);
    if (meta == nullptr) return len;  // not a frame (should not happen once upgraded)
    const int flags = meta->flags;
    auto protocol_error = [&](std::string why) -> size_t {
        pending_end_.why = WsEnd::Why::ProtocolError;
        pending_end_.detail = std::move(why);
        have_end_ = true;
        flush_soon();
        return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    };
    if (flags & CURLWS_CLOSE) {
        close_payload_.append(data, len);
        if (meta->bytesleft > 0) return len;
        WsEnd end;
        end.why = WsEnd::Why::Closed;
        if (close_payload_.size() >= 2) {
            end.close_code = (static_cast<unsigned char>(close_payload_[0]) << 8) |
                             static_cast<unsigned char>(close_payload_[1]);
            end.detail = close_payload_.substr(2);
        }
        pending_end_ = std::move(end);
        have_end_ = true;
        flush_soon();
        return len;
    }
    if (flags & (CURLWS_PING | CURLWS_PONG)) return len;  // libcurl answers Pings itself
    if (flags & CURLWS_BINARY) return protocol_error("binary frame (EventSub sends only text)");
    if (!(flags & CURLWS_TEXT)) return len;
    if (partial_.size() + len > max_bytes_ ||
        (meta->bytesleft > 0 && partial_.size() + len + static_cast<size_t>(meta->bytesleft) > max_bytes_)) {
        return protocol_error("message larger than " + std::to_string(max_bytes_) + " bytes");
    }
    partial_.append(data, len);
    if (meta->bytesleft > 0 || (flags & CURLWS_CONT)) return len;  // more of this frame or message follows
    ready_.push_back(std::move(partial_));
    partial_.clear();
    flush_soon();
    return len;
}

void WebSocket::flush_soon() {
    if (flush_timer_ != 0) return;
    flush_timer_ = loop_.add_timer(0, [this] {
        flush_timer_ = 0;
        flush();
    });
}

void WebSocket::flush() {
    std::weak_ptr<bool> alive = alive_;
    std::vector<std::string> batch;
    batch.swap(ready_);
    for (auto &text : batch) {
        ++messages_;
        if (handlers_.on_message) handlers_.on_message(std::move(text));
        if (alive.expired() || ended_) return;  // the owner closed or destroyed us
    }
    if (!have_end_) return;
    WsEnd end = pending_end_;
    if (end.why == WsEnd::Why::Closed && easy_ != nullptr && !close_sent_) {
        // Answer the server's Close (echoing its code) before letting go.
        send_close(end.close_code != 0 ? end.close_code : 1000, "");
    } else {
        release_easy();
    }
    finish(std::move(end));
}

void WebSocket::finish(WsEnd end) {
    if (ended_) return;
    ended_ = true;
    if (handlers_.on_end) handlers_.on_end(end);
}

void WebSocket::close(int code, const std::string &reason) {
    send_close(code, reason);
    ended_ = true;
}

void WebSocket::close_gracefully(int code) {
    if (easy_ == nullptr || ended_ || close_sent_ || have_end_) return;
    std::string payload;
    payload.push_back(static_cast<char>((code >> 8) & 0xff));
    payload.push_back(static_cast<char>(code & 0xff));
    size_t sent = 0;
    if (curl_ws_send(easy_, payload.data(), payload.size(), &sent, 0, CURLWS_CLOSE) != CURLE_OK) {
        release_easy();
        ended_ = true;
        return;
    }
    close_sent_ = true;
}

void WebSocket::send_close(int code, const std::string &reason) {
    if (easy_ != nullptr) {
        std::string payload;
        payload.push_back(static_cast<char>((code >> 8) & 0xff));
        payload.push_back(static_cast<char>(code & 0xff));
        payload.append(reason.substr(0, 123));
        size_t sent = 0;
        // Outside a libcurl callback this does not block; a Close frame is
        // small enough for the socket buffer.
        (void)curl_ws_send(easy_, payload.data(), payload.size(), &sent, 0, CURLWS_CLOSE);
        release_easy();
    }
}

}  // namespace tc::net
