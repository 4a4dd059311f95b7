#include "core/paginate.hpp"

namespace tc::core {

void fetch_all_pages(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<PageStep> steps,
                     const std::string &cursor) {
    m.step(op, steps->request(cursor), [&m, op, steps, cursor](net::CallResult &&r) {
        if (r.status != TC_OK) return steps->done(r.status, r.http.http_status, r.message);
        std::string next, error;
        if (!steps->page(r.http.body, &next, &error)) {
            return steps->done(TC_EPROTOCOL, r.http.http_status, error);
        }
        if (next.empty()) return steps->done(TC_OK, r.http.http_status, std::string());
        if (next == cursor) return steps->done(TC_EPROTOCOL, r.http.http_status, "the server repeated a pagination cursor");
        fetch_all_pages(m, op, steps, next);
    });
}

}  // namespace tc::core
