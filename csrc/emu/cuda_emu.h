// Host emulation of the CUDA subset documented in csrc/README.md: lets a kernel source compile with g++ as
// ordinary C++ and run on the CPU, each block's threads as real concurrent std::threads.
//
// Why real threads: a missing __syncthreads, a shared-memory race or a divergent barrier should misbehave
// here the way it would on the GPU, not be hidden by running the threads one after another.
//
// Model (see csrc/README.md for the full account):
//   * launch() starts blockDim.x*y*z threads; each runs the kernel for every block in turn (x fastest),
//     meeting the others at an end-of-block barrier, so one block runs at a time;
//   * launches are serialised by a global mutex;
//   * hence `__shared__` can be plain `static` storage: shared by the threads of the running block, and
//     per-block because blocks never overlap;
//   * barriers remember the source line each thread came from, and turn divergence or deadlock into an
//     error (KernelFault) instead of a hang or a silent wrong answer.
#pragma once

#if !defined(NANOGAN_EMU)
#error "csrc/emu/cuda_emu.h is for the g++ host emulation only (compile with -DNANOGAN_EMU)"
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// ---- qualifiers -------------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
// Per-block storage by static duration: valid because blocks and launches run one at a time (see top).
#define __shared__ static

#define __align__(n) __attribute__((aligned(n)))

// ---- vector types: the 16-byte one the kernels use for wide shared / global accesses --------------------
struct __align__(16) float4 {
    float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

// ---- built-in variables ------------------------------------------------------------------------------
struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim{1, 1, 1};
inline thread_local dim3 gridDim{1, 1, 1};
constexpr int warpSize = 32;

namespace ng_emu {

// Thrown inside an emulated thread when the kernel breaks the execution model; ends the launch.
struct KernelFault : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// Thrown in the other threads of a block once one of them has faulted, to unwind them quietly.
struct BlockAborted {};

// A barrier site: where in the source a thread waits. Threads meeting at one barrier phase must agree.
struct Site {
    const char* file;
    int line;
    const char* what;
    bool operator==(const Site& o) const { return line == o.line && std::strcmp(file, o.file) == 0; }
};
inline std::string describe(const Site& s) {
    std::ostringstream os;
    os << s.what << " at " << s.file << ":" << s.line;
    return os.str();
}
constexpr Site kBlockEnd{"<end of kernel>", 0, "the end of the kernel"};

// All synchronisation of one block: the block barrier, one barrier and one exchange buffer per warp, and
// the deadlock / divergence bookkeeping. One mutex guards everything; the emulation values clarity of the
// model over speed.
class Block {
  public:
    explicit Block(int nthreads)
        : nthreads_(nthreads),
          warps_((nthreads + warpSize - 1) / warpSize),
          exchange_(static_cast<size_t>(nthreads)) {}

    int nthreads() const { return nthreads_; }
    int lanes_in_warp(int warp) const { return std::min(warpSize, nthreads_ - warp * warpSize); }

    void sync_block(int tid, const Site& site) { arrive_and_wait(block_, nthreads_, tid, site, "__syncthreads"); }
    void sync_warp(int tid, const Site& site) {
        int warp = tid / warpSize;
        arrive_and_wait(warps_[warp], lanes_in_warp(warp), tid, site, "warp intrinsic");
    }

    // Each lane publishes 8 bytes; the warp meets; each lane reads the slot of its source lane; the warp
    // meets again so that no slot is overwritten before everyone has read it.
    template <class T, class SourceLane>
    T warp_exchange(int tid, const Site& site, T value, SourceLane source_lane) {
        static_assert(sizeof(T) <= sizeof(std::uint64_t), "warp exchange of a type wider than 8 bytes");
        std::memcpy(&exchange_[tid], &value, sizeof(T));
        sync_warp(tid, site);
        int warp_base = tid / warpSize * warpSize;
        int src = source_lane(tid - warp_base);
        T result;
        std::memcpy(&result, &exchange_[warp_base + src], sizeof(T));
        sync_warp(tid, site);
        return result;
    }
    // Same, for votes: every lane sees all predicates of its warp.
    unsigned warp_vote(int tid, const Site& site, bool predicate) {
        std::uint64_t mine = predicate ? 1 : 0;
        std::memcpy(&exchange_[tid], &mine, sizeof mine);
        sync_warp(tid, site);
        int warp = tid / warpSize;
        unsigned bits = 0;
        for (int lane = 0; lane < lanes_in_warp(warp); ++lane)
            if (exchange_[warp * warpSize + lane]) bits |= 1u << lane;
        sync_warp(tid, site);
        return bits;
    }

    [[noreturn]] void fail(const std::string& message) {
        std::unique_lock<std::mutex> lock(mutex_);
        fail_locked(message);
    }
    bool failed() const { return failed_; }  // read by the launcher after joining the threads
    const std::string& failure() const { return failure_; }

  private:
    struct Barrier {
        int arrived = 0;
        // Bumped when the barrier completes (or the block fails); waiters sleep on it with atomic wait
        // (a futex), outside the mutex, so that a release does not queue every thread on the mutex again.
        std::atomic<unsigned> generation{0};
        Site site{"", -1, ""};
        int first_thread = -1;
    };

    [[noreturn]] void fail_locked(const std::string& message) {
        if (!failed_) {
            failure_ = message;
            failed_ = true;
        }
        for (Barrier* b : all_barriers()) {
            b->generation.fetch_add(1, std::memory_order_release);
            b->generation.notify_all();
        }
        throw BlockAborted{};
    }

    std::vector<Barrier*> all_barriers() {
        std::vector<Barrier*> result{&block_};
        for (auto& w : warps_) result.push_back(&w);
        return result;
    }

    void arrive_and_wait(Barrier& b, int members, int tid, const Site& site, const char* kind) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (failed_) throw BlockAborted{};
        if (b.arrived == 0) {
            b.site = site;
            b.first_thread = tid;
        } else if (!(b.site == site)) {
            std::ostringstream os;
            os << "divergent " << kind << ": thread " << tid << " reached " << describe(site) << " while thread "
               << b.first_thread << " waits at " << describe(b.site)
               << " (every thread must reach the same barriers in the same order)";
            fail_locked(os.str());
        }
        if (++b.arrived == members) {
            b.arrived = 0;
            ++b.generation;
            blocked_ -= members - 1;  // the others are released now, before they wake up
            b.generation.fetch_add(1, std::memory_order_release);
            b.generation.notify_all();
            return;
        }
        unsigned generation = b.generation.load(std::memory_order_relaxed);
        if (++blocked_ == nthreads_) {
            std::ostringstream os;
            os << "deadlock: every thread of the block is waiting, thread " << tid << " at " << describe(site)
               << " cannot complete (a warp intrinsic or __syncthreads that some threads never reach)";
            fail_locked(os.str());
        }
        lock.unlock();
        b.generation.wait(generation, std::memory_order_acquire);
        if (failed_) throw BlockAborted{};
    }

    const int nthreads_;
    std::mutex mutex_;
    Barrier block_;
    std::vector<Barrier> warps_;
    std::vector<std::uint64_t> exchange_;
    int blocked_ = 0;  // threads waiting at a barrier that has not completed
    std::atomic<bool> failed_{false};
    std::string failure_;
};

// The emulated thread's view of its block.
inline thread_local Block* this_block = nullptr;
inline thread_local int this_thread = 0;  // linear thread index in the block: x + y*bx + z*bx*by

inline Block& block_of_caller(const char* intrinsic) {
    if (this_block == nullptr) throw std::logic_error(std::string(intrinsic) + " called outside an emulated kernel");
    return *this_block;
}

inline void syncthreads(const char* file, int line) {
    block_of_caller("__syncthreads").sync_block(this_thread, Site{file, line, "__syncthreads"});
}

// Warp intrinsics take the mask of the whole warp only: the subset of csrc/README.md.
inline void check_full_mask(Block& block, unsigned mask, const Site& site) {
    int lanes = block.lanes_in_warp(this_thread / warpSize);
    unsigned full = lanes == warpSize ? 0xffffffffu : ((1u << lanes) - 1u);
    if ((mask & full) != full) {
        std::ostringstream os;
        os << describe(site) << ": mask 0x" << std::hex << mask << " leaves out lanes of the warp (full mask 0x" << full
           << "); the emulated subset supports whole-warp masks only";
        block.fail(os.str());
    }
}
inline void check_width(Block& block, int width, const Site& site) {
    if (width <= 0 || width > warpSize || (width & (width - 1)) != 0) {
        std::ostringstream os;
        os << describe(site) << ": width " << width << " is not a power of two in [1, 32]";
        block.fail(os.str());
    }
}

inline void syncwarp(const char* file, int line, unsigned mask = 0xffffffffu) {
    Block& block = block_of_caller("__syncwarp");
    Site site{file, line, "__syncwarp"};
    check_full_mask(block, mask, site);
    block.sync_warp(this_thread, site);
}

// Shuffles: lanes are grouped into segments of `width`; a source outside the caller's segment (or beyond a
// partial warp's last lane) yields the caller's own value, as on the GPU.
template <class T, class SourceInSegment>
T shuffle(const char* file, int line, const char* name, unsigned mask, T value, int width, SourceInSegment source) {
    Block& block = block_of_caller(name);
    Site site{file, line, name};
    check_full_mask(block, mask, site);
    check_width(block, width, site);
    int lanes = block.lanes_in_warp(this_thread / warpSize);
    return block.warp_exchange(this_thread, site, value, [&](int lane) {
        int segment_base = lane / width * width;
        int src = source(lane - segment_base);  // index within the segment, may be out of range
        if (src < 0 || src >= width || segment_base + src >= lanes) return lane;
        return segment_base + src;
    });
}

template <class T>
T shfl_idx(const char* file, int line, unsigned mask, T value, int src_lane, int width = warpSize) {
    return shuffle(file, line, "__shfl_sync", mask, value, width, [&](int) { return ((src_lane % width) + width) % width; });
}
template <class T>
T shfl_up(const char* file, int line, unsigned mask, T value, unsigned delta, int width = warpSize) {
    return shuffle(file, line, "__shfl_up_sync", mask, value, width, [&](int lane) { return lane - int(delta); });
}
template <class T>
T shfl_down(const char* file, int line, unsigned mask, T value, unsigned delta, int width = warpSize) {
    return shuffle(file, line, "__shfl_down_sync", mask, value, width, [&](int lane) { return lane + int(delta); });
}
template <class T>
T shfl_xor(const char* file, int line, unsigned mask, T value, int lane_mask, int width = warpSize) {
    return shuffle(file, line, "__shfl_xor_sync", mask, value, width, [&](int lane) { return lane ^ lane_mask; });
}

inline unsigned vote(const char* file, int line, const char* name, unsigned mask, bool predicate) {
    Block& block = block_of_caller(name);
    Site site{file, line, name};
    check_full_mask(block, mask, site);
    return block.warp_vote(this_thread, site, predicate);
}

// ---- launching ---------------------------------------------------------------------------------------

// Raised to the caller of launch(): a bad launch shape or a kernel that broke the execution model.
struct LaunchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline std::string launch_shape(const char* name, dim3 grid, dim3 block) {
    std::ostringstream os;
    os << "kernel " << name << "<<<grid(" << grid.x << "," << grid.y << "," << grid.z << "), block(" << block.x << ","
       << block.y << "," << block.z << ")>>>";
    return os.str();
}

inline std::mutex& launch_mutex() {
    static std::mutex m;
    return m;
}

// Runs kernel(args...) over the grid, one block at a time, the block's threads concurrently.
template <class... Params, class... Args>
void launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, Args... args) {
    static_assert(sizeof...(Params) == sizeof...(Args), "launch: argument count differs from the kernel's");
    unsigned long long nthreads = 1ull * block.x * block.y * block.z;
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535 || block.x == 0 ||
        block.y == 0 || block.z == 0 || block.z > 64 || nthreads > 1024)
        throw LaunchError(launch_shape(name, grid, block) +
                          ": invalid launch shape (grid dims >= 1, y and z <= 65535; block dims >= 1, z <= 64, "
                          "at most 1024 threads)");

    std::lock_guard<std::mutex> one_launch_at_a_time(launch_mutex());
    Block runtime(static_cast<int>(nthreads));

    auto thread_body = [&](int tid) {
        threadIdx = uint3{tid % block.x, tid / block.x % block.y, tid / (block.x * block.y)};
        blockDim = block;
        gridDim = grid;
        this_block = &runtime;
        this_thread = tid;
        try {
            for (unsigned z = 0; z < grid.z; ++z)
                for (unsigned y = 0; y < grid.y; ++y)
                    for (unsigned x = 0; x < grid.x; ++x) {
                        blockIdx = uint3{x, y, z};
                        kernel(args...);
                        runtime.sync_block(tid, kBlockEnd);
                    }
        } catch (const BlockAborted&) {
        } catch (const std::exception& e) {
            try {
                runtime.fail(e.what());
            } catch (const BlockAborted&) {
            }
        }
        this_block = nullptr;
    };

    std::vector<std::thread> threads;
    threads.reserve(nthreads);
    try {
        for (int tid = 0; tid < static_cast<int>(nthreads); ++tid) threads.emplace_back(thread_body, tid);
    } catch (const std::system_error& e) {
        try {
            runtime.fail(std::string("could not start the emulated threads: ") + e.what());
        } catch (const BlockAborted&) {
        }
    }
    for (auto& t : threads) t.join();
    if (runtime.failed()) throw LaunchError(launch_shape(name, grid, block) + ": " + runtime.failure());
}

}  // namespace ng_emu

// ---- intrinsics --------------------------------------------------------------------------------------
#define __syncthreads() ::ng_emu::syncthreads(__FILE__, __LINE__)
#define __syncwarp(...) ::ng_emu::syncwarp(__FILE__, __LINE__ __VA_OPT__(, ) __VA_ARGS__)
#define __shfl_sync(...) ::ng_emu::shfl_idx(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_up_sync(...) ::ng_emu::shfl_up(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_down_sync(...) ::ng_emu::shfl_down(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_xor_sync(...) ::ng_emu::shfl_xor(__FILE__, __LINE__, __VA_ARGS__)
#define __ballot_sync(mask, predicate) ::ng_emu::vote(__FILE__, __LINE__, "__ballot_sync", mask, predicate)
#define __any_sync(mask, predicate) (::ng_emu::vote(__FILE__, __LINE__, "__any_sync", mask, predicate) != 0u)
#define __all_sync(mask, predicate)                                                      \
    ([&](unsigned m_) {                                                                  \
        unsigned bits_ = ::ng_emu::vote(__FILE__, __LINE__, "__all_sync", m_, predicate); \
        int lanes_ = ::ng_emu::this_block->lanes_in_warp(::ng_emu::this_thread / warpSize); \
        return bits_ == (lanes_ == warpSize ? 0xffffffffu : ((1u << lanes_) - 1u));      \
    }(mask))

inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }

// ---- atomics: std::atomic_ref over the plain memory the kernel points at -------------------------------
template <class T>
inline T ng_atomic_add(T* address, T value) {
    return std::atomic_ref<T>(*address).fetch_add(value);
}
inline float atomicAdd(float* a, float v) { return ng_atomic_add(a, v); }
inline double atomicAdd(double* a, double v) { return ng_atomic_add(a, v); }
inline int atomicAdd(int* a, int v) { return ng_atomic_add(a, v); }
inline unsigned atomicAdd(unsigned* a, unsigned v) { return ng_atomic_add(a, v); }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) { return ng_atomic_add(a, v); }

template <class T, class Combine>
inline T ng_atomic_update(T* address, Combine combine) {
    std::atomic_ref<T> ref(*address);
    T old = ref.load();
    while (!ref.compare_exchange_weak(old, combine(old))) {
    }
    return old;
}
inline int atomicMax(int* a, int v) { return ng_atomic_update(a, [v](int o) { return std::max(o, v); }); }
inline unsigned atomicMax(unsigned* a, unsigned v) { return ng_atomic_update(a, [v](unsigned o) { return std::max(o, v); }); }
inline int atomicMin(int* a, int v) { return ng_atomic_update(a, [v](int o) { return std::min(o, v); }); }
inline unsigned atomicMin(unsigned* a, unsigned v) { return ng_atomic_update(a, [v](unsigned o) { return std::min(o, v); }); }
inline float atomicExch(float* a, float v) { return std::atomic_ref<float>(*a).exchange(v); }
inline int atomicExch(int* a, int v) { return std::atomic_ref<int>(*a).exchange(v); }
inline unsigned atomicExch(unsigned* a, unsigned v) { return std::atomic_ref<unsigned>(*a).exchange(v); }
template <class T>
inline T ng_atomic_cas(T* address, T compare, T value) {
    std::atomic_ref<T>(*address).compare_exchange_strong(compare, value);
    return compare;  // the old value, whether or not the swap happened
}
inline int atomicCAS(int* a, int c, int v) { return ng_atomic_cas(a, c, v); }
inline unsigned atomicCAS(unsigned* a, unsigned c, unsigned v) { return ng_atomic_cas(a, c, v); }
inline unsigned long long atomicCAS(unsigned long long* a, unsigned long long c, unsigned long long v) {
    return ng_atomic_cas(a, c, v);
}

// ---- math that CUDA device code has and the C library lacks ---------------------------------------------
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return std::fmin(std::fmax(x, 0.0f), 1.0f); }
inline int __float_as_int(float x) {
    int i;
    std::memcpy(&i, &x, sizeof i);
    return i;
}
inline float __int_as_float(int i) {
    float x;
    std::memcpy(&x, &i, sizeof x);
    return x;
}
inline unsigned __umulhi(unsigned a, unsigned b) {
    return static_cast<unsigned>((static_cast<unsigned long long>(a) * b) >> 32);
}
template <class T>
inline T __ldg(const T* p) {
    return *p;
}
inline int min(int a, int b) { return a < b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline float min(float a, float b) { return std::fmin(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }
