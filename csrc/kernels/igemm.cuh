// The implicit-GEMM engine shared by the convolution kernels (diagram and tables: csrc/README.md).
//
// One block computes a BM x BN tile of O = A . B (rows m, columns j, reduction index kk). A, B and O are
// never materialised: an `Operands` type says how to read an element of A and B and where O[m, j] lives:
//
//   int M, Ncols;                                  size of O
//   const float* a; int a_row_stride;              A[m, kk] = a[a_k_offset(kk) + m * a_row_stride]
//   int a_k_offset(int kk) const;
//   struct Column; Column column(int j) const;     decoding of column j of B, done once per thread
//   float b(int kk, const Column&) const;          B[kk, j]; 0 for taps outside the input (padding)
//   float* out; int out_row_stride;                O[m, j] = out[out_column_offset(j) + m * out_row_stride]
//   int out_column_offset(int j) const;
//   const float* bias;                             bias[m] added to row m as O is stored, or nullptr (a layer's
//                                                  bias: one pass over O fewer; under split-K the first split's
//                                                  blocks add it)
//
// The engine guards every A/B load (rows >= M, columns >= Ncols, kk outside the block's reduction range load
// 0) and every store, so any size works with any tile.
#pragma once
#include "common.cuh"

constexpr int IGEMM_BM = 128;        // rows of O per block
constexpr int IGEMM_BM_NARROW = 64;  // rows per block where O has at most 64 (a 64-channel side): a 128-row tile
                                     // would multiply as many zero rows as real ones
constexpr int IGEMM_BN = 128;        // columns of O per block
constexpr int IGEMM_BK = 8;          // reduction indices per step (one shared-memory stage)
constexpr int IGEMM_TM = 8;          // rows of O per thread (register micro-tile)
constexpr int IGEMM_TN = 8;          // columns of O per thread
constexpr int IGEMM_VEC = 4;  // a thread's rows (and columns) come as two float4 runs, half a tile apart
constexpr int IGEMM_PAD = 4;  // shared row padding: spreads the transposed A stores over the banks, keeps 16 B rows
// Threads per block: one per TM x TN micro-tile of the BM x BN tile. Blocks per SM are chosen so that the
// register cap stays 128 per thread (65536 registers / (threads * blocks)).
constexpr int IGEMM_THREADS = (IGEMM_BM / IGEMM_TM) * (IGEMM_BN / IGEMM_TN);
constexpr int IGEMM_NARROW_THREADS = (IGEMM_BM_NARROW / IGEMM_TM) * (IGEMM_BN / IGEMM_TN);
constexpr int IGEMM_MIN_BLOCKS_PER_SM = 2;
constexpr int IGEMM_NARROW_MIN_BLOCKS_PER_SM = 4;

static_assert(IGEMM_VEC == 4, "a run of a thread's rows or columns is one float4 shared-memory load");
static_assert(IGEMM_TM == 2 * IGEMM_VEC && IGEMM_TN == 2 * IGEMM_VEC, "micro-tile is two runs of IGEMM_VEC");
static_assert(IGEMM_PAD % 4 == 0, "shared rows must stay 16-byte aligned for float4 loads");
static_assert((IGEMM_BN / IGEMM_TN) * IGEMM_VEC * 2 == IGEMM_BN, "column runs must tile BN");

// How the threads of a block with a BM-row tile share its loads (BM = IGEMM_BM or IGEMM_BM_NARROW).
template <int BM>
struct IgemmTile {
    static constexpr int THREADS = (BM / IGEMM_TM) * (IGEMM_BN / IGEMM_TN);
    static constexpr int A_LOADS = BM * IGEMM_BK / THREADS;        // A elements fetched per thread per step
    static constexpr int B_LOADS = IGEMM_BK * IGEMM_BN / THREADS;  // B elements fetched per thread per step
    static constexpr int A_ROW_STEP = THREADS / IGEMM_BK;          // rows between a thread's A elements
    static constexpr int B_K_STEP = THREADS / IGEMM_BN;            // kk between a thread's B elements

    static_assert(THREADS % IGEMM_BK == 0 && THREADS % IGEMM_BN == 0, "tile loads must divide evenly");
    static_assert(A_LOADS * THREADS == BM * IGEMM_BK, "A tile must divide among the threads");
    static_assert(B_LOADS * THREADS == IGEMM_BK * IGEMM_BN, "B tile must divide among the threads");
    static_assert((BM / IGEMM_TM) * IGEMM_VEC * 2 == BM, "row runs must tile BM");
};
static_assert(IgemmTile<IGEMM_BM>::THREADS == IGEMM_THREADS, "the wide tile's launch size");
static_assert(IgemmTile<IGEMM_BM_NARROW>::THREADS == IGEMM_NARROW_THREADS, "the narrow tile's launch size");

// The reduction range [begin, end) of split `split` out of `splits`: contiguous chunks of whole BK steps.
struct KRange {
    int begin, end;
    bool first;  // split 0: the one whose blocks add the bias (begin is 0 for every split of an empty reduction)
};
__device__ __forceinline__ KRange igemm_split_range(int kdim, int split, int splits) {
    int chunk = ng_ceil_div(ng_ceil_div(kdim, splits), IGEMM_BK) * IGEMM_BK;
    int begin = split * chunk;
    return KRange{begin, min(kdim, begin + chunk), split == 0};
}

// Row (or column) of O held in a thread's micro-tile slot i, relative to the tile origin.
__device__ __forceinline__ int igemm_micro_index(int i, int thread_coord, int tile) {
    return (i / IGEMM_VEC) * (tile / 2) + thread_coord * IGEMM_VEC + i % IGEMM_VEC;
}

// O[m0 : m0+BM, j0 : j0+BN] = sum over kk in k of A[m, kk] B[kk, j] (+ bias[m] from the first split); stored, or
// atomically added when `accumulate` (split-K: the caller zeroed O). Called by all IgemmTile<BM>::THREADS threads
// of a 1-D block.
template <int BM, class Operands>
__device__ __forceinline__ void igemm_tile(const Operands& op, int m0, int j0, KRange k, bool accumulate) {
    const bool adds_bias = op.bias != nullptr && k.first;
    // Block-uniform exits (no barrier passed yet): a tile outside O, or an empty split contributing nothing.
    if (m0 >= op.M || j0 >= op.Ncols || (accumulate && k.begin >= k.end && !adds_bias)) return;

    // Two stages: one is read by the multiply while the next step's tiles are stored into the other.
    // float4 storage: 16-byte aligned rows, so the multiply reads a run of 4 rows (columns) in one load.
    __shared__ float4 As[2][IGEMM_BK][(BM + IGEMM_PAD) / 4];  // A tile, transposed: element (m, kk) at [kk][m]
    __shared__ float4 Bs[2][IGEMM_BK][(IGEMM_BN + IGEMM_PAD) / 4];  // B tile: element (kk, j) at [kk][j]

    using Tile = IgemmTile<BM>;
    const int tid = threadIdx.x;
    // This thread's loads: A at (m, kk) = (a_m + i*A_ROW_STEP, a_kk), B at (kk, j) = (b_kk + i*B_K_STEP, b_j).
    const int a_kk = tid % IGEMM_BK;
    const int a_m = tid / IGEMM_BK;
    const int b_j = tid % IGEMM_BN;
    const int b_kk = tid / IGEMM_BN;
    const bool b_column_inside = j0 + b_j < op.Ncols;
    const typename Operands::Column b_column = op.column(j0 + b_j);
    // This thread's micro-tile: rows igemm_micro_index(i, ty, BM), columns igemm_micro_index(j, tx, BN).
    const int ty = tid / (IGEMM_BN / IGEMM_TN);
    const int tx = tid % (IGEMM_BN / IGEMM_TN);

    float a_next[Tile::A_LOADS];
    float b_next[Tile::B_LOADS];
    auto fetch = [&](int k0) {  // global -> registers, with the im2col index math of `op`
        const int kk = k0 + a_kk;
        const int a_offset = op.a_k_offset(kk);
#pragma unroll
        for (int i = 0; i < Tile::A_LOADS; ++i) {
            const int m = m0 + a_m + i * Tile::A_ROW_STEP;
            a_next[i] = (kk < k.end && m < op.M) ? op.a[a_offset + m * op.a_row_stride] : 0.0f;
        }
#pragma unroll
        for (int i = 0; i < Tile::B_LOADS; ++i) {
            const int kk_b = k0 + b_kk + i * Tile::B_K_STEP;
            b_next[i] = (b_column_inside && kk_b < k.end) ? op.b(kk_b, b_column) : 0.0f;
        }
    };
    auto stash = [&](int stage) {  // registers -> shared, one float at a time
        float* a_row = reinterpret_cast<float*>(As[stage][a_kk]);
#pragma unroll
        for (int i = 0; i < Tile::A_LOADS; ++i) a_row[a_m + i * Tile::A_ROW_STEP] = a_next[i];
#pragma unroll
        for (int i = 0; i < Tile::B_LOADS; ++i)
            reinterpret_cast<float*>(Bs[stage][b_kk + i * Tile::B_K_STEP])[b_j] = b_next[i];
    };

    float acc[IGEMM_TM][IGEMM_TN];
#pragma unroll
    for (int i = 0; i < IGEMM_TM; ++i)
#pragma unroll
        for (int j = 0; j < IGEMM_TN; ++j) acc[i][j] = 0.0f;

    if (k.begin < k.end) {
        fetch(k.begin);
        stash(0);
    }
    __syncthreads();
    int stage = 0;
    for (int k0 = k.begin; k0 < k.end; k0 += IGEMM_BK) {
        const bool more = k0 + IGEMM_BK < k.end;  // block-uniform
        if (more) fetch(k0 + IGEMM_BK);           // in flight while the multiply below runs
#pragma unroll
        for (int kk = 0; kk < IGEMM_BK; ++kk) {
            // the runs igemm_micro_index(0..3) and (4..7) are float4 number ty and (BM/2)/VEC + ty (tx likewise)
            const float4 a_lo = As[stage][kk][ty], a_hi = As[stage][kk][BM / 2 / IGEMM_VEC + ty];
            const float4 b_lo = Bs[stage][kk][tx], b_hi = Bs[stage][kk][IGEMM_BN / 2 / IGEMM_VEC + tx];
            const float a_frag[IGEMM_TM] = {a_lo.x, a_lo.y, a_lo.z, a_lo.w, a_hi.x, a_hi.y, a_hi.z, a_hi.w};
            const float b_frag[IGEMM_TN] = {b_lo.x, b_lo.y, b_lo.z, b_lo.w, b_hi.x, b_hi.y, b_hi.z, b_hi.w};
#pragma unroll
            for (int i = 0; i < IGEMM_TM; ++i)
#pragma unroll
                for (int j = 0; j < IGEMM_TN; ++j) acc[i][j] += a_frag[i] * b_frag[j];
        }
        if (more) stash(stage ^ 1);
        // Orders this step's reads of `stage` before the next step's writes to it, and this step's writes of
        // `stage ^ 1` before the next step's reads: one barrier per step suffices with two stages.
        __syncthreads();
        stage ^= 1;
    }

    int out_offset[IGEMM_TN];
#pragma unroll
    for (int j = 0; j < IGEMM_TN; ++j) {
        const int col = j0 + igemm_micro_index(j, tx, IGEMM_BN);
        out_offset[j] = col < op.Ncols ? op.out_column_offset(col) : -1;
    }
#pragma unroll
    for (int i = 0; i < IGEMM_TM; ++i) {
        const int m = m0 + igemm_micro_index(i, ty, BM);
        if (m >= op.M) continue;
        const float row_bias = adds_bias ? op.bias[m] : 0.0f;
#pragma unroll
        for (int j = 0; j < IGEMM_TN; ++j) {
            if (out_offset[j] < 0) continue;
            float* o = op.out + out_offset[j] + m * op.out_row_stride;
            if (accumulate)
                atomicAdd(o, acc[i][j] + row_bias);
            else
                *o = acc[i][j] + row_bias;
        }
    }
}
