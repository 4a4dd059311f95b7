// Following Helix pagination cursors until the last page.
#pragma once

#include "core/manager.hpp"

#include <functional>
#include <memory>
#include <string>

namespace tc::core {

struct PageStep {
    // The request for the page after `cursor` ("" = the first page).
    std::function<net::Call(const std::string &cursor)> request;
    // Parses one page; sets *next ("" on the last page); false with *error when malformed.
    std::function<bool(const std::string &body, std::string *next, std::string *error)> page;
    // Runs once: TC_OK after the last page, else the failure.
    std::function<void(tc_status status, int http_status, const std::string &message)> done;
};

// Loop thread. A cursor that repeats is reported as TC_EPROTOCOL instead of looping forever.
void fetch_all_pages(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<PageStep> steps,
                     const std::string &cursor = std::string());

}  // namespace tc::core
