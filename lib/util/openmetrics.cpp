#include "util/openmetrics.hpp"

#include <cmath>
#include <cstdio>

namespace tc::util {

namespace {

const char *type_name(MetricFamilies::Type type) {
    switch (type) {
    case MetricFamilies::Type::Counter: return "counter";
    case MetricFamilies::Type::Gauge: return "gauge";
    case MetricFamilies::Type::StateSet: return "stateset";
    case MetricFamilies::Type::Info: return "info";
    }
    return "unknown";
}

// Label values escape backslash, double quote and newline; HELP text escapes
// backslash and newline (and, in OpenMetrics, double quote too).
std::string escaped(const std::string &text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        switch (ch) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += ch;
        }
    }
    return out;
}

std::string number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return buf;
}

}  // namespace

MetricFamilies::Family &MetricFamilies::family(const std::string &name, Type type, const std::string &help) {
    for (Family &f : families_) {
        if (f.name == name) return f;
    }
    families_.push_back(Family{name, type, help, {}});
    return families_.back();
}

void MetricFamilies::append_sample(std::string &out, const std::string &name, const MetricLabels &labels,
                                   const std::string &value) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
            if (i > 0) out += ',';
            out += labels[i].first;
            out += "=\"";
            out += escaped(labels[i].second);
            out += '"';
        }
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

void MetricFamilies::counter(const std::string &name, const std::string &help, const MetricLabels &labels,
                             uint64_t value) {
    append_sample(family(name, Type::Counter, help).samples, name + "_total", labels, std::to_string(value));
}

void MetricFamilies::gauge(const std::string &name, const std::string &help, const MetricLabels &labels,
                           double value) {
    append_sample(family(name, Type::Gauge, help).samples, name, labels, number(value));
}

void MetricFamilies::stateset(const std::string &name, const std::string &help, const MetricLabels &labels,
                              const std::vector<std::string> &states, const std::string &current) {
    Family &f = family(name, Type::StateSet, help);
    for (const std::string &state : states) {
        MetricLabels with_state = labels;
        with_state.emplace_back(name, state);
        append_sample(f.samples, name, with_state, state == current ? "1" : "0");
    }
}

void MetricFamilies::info(const std::string &name, const std::string &help, const MetricLabels &labels) {
    append_sample(family(name, Type::Info, help).samples, name + "_info", labels, "1");
}

std::string MetricFamilies::render() const {
    std::string out;
    for (const Family &f : families_) {
        out += "# TYPE " + f.name + ' ' + type_name(f.type) + '\n';
        out += "# HELP " + f.name + ' ' + escaped(f.help) + '\n';
        out += f.samples;
    }
    out += "# EOF\n";
    return out;
}

}  // namespace tc::util
