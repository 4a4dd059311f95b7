// Collects metric families and renders them in the OpenMetrics text format
// (which Prometheus also scrapes). Samples of one family may come from
// several sources; the text keeps each family's samples together, as the
// format requires, in the order families were first seen.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tc::util {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricFamilies {
public:
    enum class Type { Counter, Gauge, StateSet, Info };

    // `name` is the family name without a suffix (counters get "_total",
    // infos "_info"); `help` is one line. The first call for a family fixes
    // its type and help.
    void counter(const std::string &name, const std::string &help, const MetricLabels &labels, uint64_t value);
    void gauge(const std::string &name, const std::string &help, const MetricLabels &labels, double value);
    // One sample per state; the current one is 1. The state label is the
    // family name, as the format requires.
    void stateset(const std::string &name, const std::string &help, const MetricLabels &labels,
                  const std::vector<std::string> &states, const std::string &current);
    void info(const std::string &name, const std::string &help, const MetricLabels &labels);

    // The whole exposition, ending with "# EOF\n".
    std::string render() const;

private:
    struct Family {
        std::string name;
        Type type;
        std::string help;
        std::string samples;  // rendered sample lines
    };
    Family &family(const std::string &name, Type type, const std::string &help);
    static void append_sample(std::string &out, const std::string &name, const MetricLabels &labels,
                              const std::string &value);

    std::vector<Family> families_;
};

}  // namespace tc::util
