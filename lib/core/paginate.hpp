// Following Helix pagination cursors until the last page.
#pragma once

#include "core/manager.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

namespace tc::core {

// Stops a listing that would never end: a cursor seen before in the same
// listing (A, B, A...) or more pages than the manager's max_list_pages.
// Remembers hashes, not cursors, so a server's huge cursors cost nothing.
class CursorGuard {
public:
    explicit CursorGuard(int64_t max_pages) : max_pages_(max_pages) {}
    // After each page, with the cursor to the next one (non-empty). "" when
    // the listing may go on, else why it must stop.
    std::string next(const std::string &cursor);

private:
    int64_t max_pages_;
    int64_t pages_ = 0;
    std::unordered_set<size_t> seen_;
};

struct PageStep {
    // The request for the page after `cursor` ("" = the first page).
    std::function<net::Call(const std::string &cursor)> request;
    // Parses one page; sets *next ("" on the last page); false with *error when malformed.
    std::function<bool(const std::string &body, std::string *next, std::string *error)> page;
    // Runs once: TC_OK after the last page, else the failure.
    std::function<void(tc_status status, int http_status, const std::string &message)> done;
};

// Loop thread. A cursor that repeats, or more than max_list_pages pages, is
// reported as TC_EPROTOCOL instead of looping forever.
void fetch_all_pages(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<PageStep> steps);

}  // namespace tc::core
