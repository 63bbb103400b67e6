// syncdsp/core/buffer_relay.hpp - hands fixed-size byte buffers from one producer thread to one
// consumer thread through a small ring of slots.
//
// Why: a video decode is a pipe read plus a pixel unpack per frame, and the face networks that
// consume the frames are another thread's worth of work; with a few frames in flight the two
// overlap instead of taking turns. The ring is bounded (memory stays `slots` frames) and the
// frames come out in the order they went in, so consumers see exactly what a serial read gives.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp {

class buffer_relay {
public:
    buffer_relay(std::size_t buffer_bytes, std::size_t slots) : slots_(slots) {
        SYNCDSP_REQUIRE(slots >= 2, "buffer_relay", "needs at least 2 slots, got ", slots);
        for (auto& s : slots_) s.resize(buffer_bytes);
    }

    // ---- producer side ----
    /// A free slot to fill, or nullptr once the consumer has stopped (then produce no more).
    std::uint8_t* acquire() {
        std::unique_lock<std::mutex> lock(m_);
        changed_.wait(lock, [&] { return stopped_ || filled_ < slots_.size(); });
        if (stopped_) return nullptr;
        return slots_[(head_ + filled_) % slots_.size()].data();
    }
    /// The slot from acquire() is full.
    void publish() {
        {
            std::lock_guard<std::mutex> lock(m_);
            ++filled_;
        }
        changed_.notify_all();
    }
    /// No more buffers will come; `error` (if any) is handed to the consumer after the last one.
    void finish(std::exception_ptr error = nullptr) {
        {
            std::lock_guard<std::mutex> lock(m_);
            finished_ = true;
            error_ = error;
        }
        changed_.notify_all();
    }

    // ---- consumer side ----
    /// The next full buffer, or nullptr when the producer has finished and all were taken
    /// (check error()). Call release() when done with it, before the next call.
    const std::uint8_t* next() {
        std::unique_lock<std::mutex> lock(m_);
        changed_.wait(lock, [&] { return filled_ > 0 || finished_; });
        if (filled_ == 0) return nullptr;
        return slots_[head_].data();
    }
    void release() {
        {
            std::lock_guard<std::mutex> lock(m_);
            head_ = (head_ + 1) % slots_.size();
            --filled_;
        }
        changed_.notify_all();
    }
    /// The consumer wants no more: acquire() returns nullptr from now on.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(m_);
            stopped_ = true;
        }
        changed_.notify_all();
    }
    std::exception_ptr error() const {
        std::lock_guard<std::mutex> lock(m_);
        return error_;
    }

private:
    std::vector<std::vector<std::uint8_t>> slots_;
    std::size_t head_ = 0, filled_ = 0;
    bool finished_ = false, stopped_ = false;
    std::exception_ptr error_;
    mutable std::mutex m_;
    std::condition_variable changed_;
};

}  // namespace syncdsp
