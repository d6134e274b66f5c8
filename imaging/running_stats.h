#pragma once
// Count, mean, sample standard deviation, minimum and maximum of a stream of values in one pass
// (Welford's method: no loss of precision on large regions).
#include <algorithm>
#include <cmath>
#include <cstddef>

namespace lightbox {

class RunningStats {
public:
    void add(double v)
    {
        ++m_n;
        if (m_n == 1) m_min = m_max = v;
        m_min = std::min(m_min, v);
        m_max = std::max(m_max, v);
        const double d = v - m_mean;
        m_mean += d / double(m_n);
        m_m2 += d * (v - m_mean);
    }
    std::size_t count() const { return m_n; }
    double mean() const { return m_mean; }
    double sd() const { return m_n > 1 ? std::sqrt(m_m2 / double(m_n - 1)) : 0.0; }
    double min() const { return m_min; }
    double max() const { return m_max; }

private:
    std::size_t m_n = 0;
    double m_mean = 0, m_m2 = 0, m_min = 0, m_max = 0;
};

}  // namespace lightbox
