#include "core/paginate.hpp"

namespace tc::core {

std::string CursorGuard::next(const std::string &cursor) {
    ++pages_;
    if (pages_ >= max_pages_) {
        return "the listing did not end within " + std::to_string(pages_) + " pages (max_list_pages)";
    }
    if (!seen_.insert(std::hash<std::string>{}(cursor)).second) {
        return "the server repeated a pagination cursor (after " + std::to_string(pages_) + " pages)";
    }
    return std::string();
}

namespace {

void fetch_page(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<PageStep> steps,
                std::shared_ptr<CursorGuard> guard, const std::string &cursor) {
    m.step(op, steps->request(cursor), [&m, op, steps, guard](net::CallResult &&r) {
        if (r.status != TC_OK) return steps->done(r.status, r.http.http_status, r.message);
        std::string next, error;
        if (!steps->page(r.http.body, &next, &error)) {
            return steps->done(TC_EPROTOCOL, r.http.http_status, error);
        }
        if (next.empty()) return steps->done(TC_OK, r.http.http_status, std::string());
        const std::string stop = guard->next(next);
        if (!stop.empty()) return steps->done(TC_EPROTOCOL, r.http.http_status, stop);
        fetch_page(m, op, steps, guard, next);
    });
}

}  // namespace

void fetch_all_pages(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<PageStep> steps) {
    fetch_page(m, op, std::move(steps), std::make_shared<CursorGuard>(m.config().max_list_pages), std::string());
}

}  // namespace tc::core
