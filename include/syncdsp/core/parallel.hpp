// syncdsp/core/parallel.hpp - a tiny parallel-for over an index range.
//
// syncdsp has no thread pool dependency: work that splits into independent chunks (frames of a
// video, rows of an image) is spread over a few std::threads. Exceptions thrown by the body are
// re-thrown on the calling thread (the first one wins).
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace syncdsp {

/// Number of threads to use when the caller asks for 0 ("automatic").
inline unsigned default_thread_count() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1u : hw;
}

/// Calls body(begin, end) on disjoint sub-ranges covering [0, n), using up to `threads` threads
/// (0 = hardware concurrency). With threads == 1 or small n it runs inline.
template <class Body>
void parallel_for(std::size_t n, unsigned threads, Body&& body) {
    if (n == 0) return;
    if (threads == 0) threads = default_thread_count();
    const std::size_t workers = std::min<std::size_t>(threads, n);
    if (workers <= 1) {
        body(std::size_t{0}, n);
        return;
    }
    std::exception_ptr first_error;
    std::mutex error_mutex;
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    const std::size_t chunk = (n + workers - 1) / workers;
    auto run = [&](std::size_t b, std::size_t e) {
        try {
            body(b, e);
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!first_error) first_error = std::current_exception();
        }
    };
    for (std::size_t w = 1; w < workers; ++w) {
        const std::size_t b = w * chunk;
        const std::size_t e = std::min(n, b + chunk);
        if (b < e) pool.emplace_back(run, b, e);
    }
    run(0, std::min(n, chunk));
    for (auto& t : pool) t.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace syncdsp
