/* The layers of engine/backend.py (Lstm and Linear) with NumpyBackend's arithmetic as one fused
 * WebAssembly SIMD kernel (no libc, no Emscripten). An instance holds a model's layers, each with
 * its own sizes and weights, addressed by the index kernel_add gave it:
 *
 *   an LSTM layer, I inputs and H units (engine.backend.Lstm's form: weights already folded and
 *   reordered by the model):
 *     z  = [x, h] · W + b          W (I+H, 4H), columns i, f, o (halved) | g
 *     t  = tanh(z);  i, f, o = 0.5 + 0.5·t;  g = t
 *     c' = f·c + i·g;  h' = o·tanh(c')
 *   a linear layer, n_in → n_out:  y = a · W + b
 *
 * A step of an LSTM layer may also compute a linear layer of its new h' in the same call (the
 * handwriting model's output layer, the synthesis model's window).
 *
 * Layout. A layer's weights arrive row-major in its staging area (kernel_add returns it) and
 * kernel_pack repacks them into panels of 16 columns for all K rows, contiguously (K × 16 floats):
 * an LSTM's panel p holds hidden units 4p..4p+3, the four gates i, f, o, g of those units side by
 * side; a linear layer's panel p its output columns 16p..16p+15. One panel's product for a batch
 * row is then 4 f32x4 accumulators, which for an LSTM ARE the four gates of 4 units, so the cell
 * update runs straight from registers and z is never stored. Panels are the outer loop and batch
 * rows (two at a time) the inner one, so a panel (32 KB at K = 500) is read from L1 by every row.
 * H and n_out need not be multiples of 4 or 16: panels are zero-padded, stores are partial.
 *
 * Compact panels. A product with ONE row of activations (batch 1, and Model.branch's shared row)
 * reads all of an LSTM layer's weights per step (4 MB at I + H = 503, H = 500), more than this
 * class of CPU's L2 cache, and is bound by that. Quantized weights (the project's q8 files, the
 * 2016 file) are, per column j, integers times a unit u_j (times the folding the model applies,
 * itself a factor of a column or of rows). An LSTM's rows are two blocks, its input rows and its
 * recurrent rows, and kernel_pack factors each on its own: it finds u_j (from the block column's
 * smallest nonzero |w|) and, when every column of the block is such a multiple with |q| ≤ 256,
 * keeps the q too, as bfloat16 (integers up to 256 are exact in it: the copy is lossless), two per
 * 32-bit lane: half the bytes, and widening is one AND or one shift per 4 weights. A one-row
 * product then sums a·q and scales the sum by u once. Several rows at a time (dot2) stay on the
 * float panels: there the work is arithmetic, not bytes. A block that does not factor (random
 * weights, a console edit such as W += noise, input rows that the model scaled row by row) uses the
 * float panels everywhere. Linear layers keep float panels only: theirs (≤ 256 KB here) stay in
 * cache between steps, where the widening costs more than the bytes save (the handwriting model's
 * output layer alone: 4-7 % slower compact; the synthesis model's step: no difference).
 *
 * I/O buffers (kernel_buffers(B) lays them out for every layer; kernel_buffer(l, k) gives each)
 * hold rows with stride I, H or n_out: no padding.
 */
#include <wasm_simd128.h>

typedef unsigned int u32;
#define EXPORT(name) __attribute__((export_name(name)))
#define MAX_LAYERS 16
#define LSTM 0
#define LINEAR 1

extern unsigned char __heap_base;

typedef struct {
    int kind;              /* LSTM or LINEAR */
    int I, H;              /* inputs; units (LSTM) or outputs (LINEAR) */
    int K, cols, P;        /* rows (I + H or I), staging columns (4H or H), panels of 16 columns */
    int start[3];          /* an LSTM's row blocks k = [start[k], start[k + 1]): its inputs, its recurrent rows */
    float *Wp, *bp;        /* float panels P × K × 16, padded biases P × 16 */
    u32 *Vq[2];            /* an LSTM's compact panels of block k: P × (its rows) × 8 lanes of 2 bfloat16 */
    float *units;          /* an LSTM's 2 × P × 16 column units of the compact panels */
    float *colstat;        /* an LSTM's 2 × 4H: kernel_pack's per-column scratch */
    float *stage;          /* row-major staging: W (K × cols), then b (cols) */
    int compact;           /* bit k set when an LSTM's block k is held in the compact panels too */
    float *io[5];          /* LSTM: x (B × I), h, c, h2, c2 (B × H); LINEAR: a (B × I), y (B × H) */
} Layer;

static Layer layers[MAX_LAYERS];
static int n_layers;
static unsigned char *top;    /* the end of the last layer's weights: the I/O buffers follow */
static unsigned char *io_end; /* the end of the I/O buffers: kernel_scratch follows */
static int cap;               /* batch rows the I/O buffers hold */

/* ---------------------------------------------------------------------------------------------
 * tanh, |error| ≤ a few ulp: tanh(a) = e / (e + 2), e = expm1(2a), a = |x| clamped to 10, sign
 * restored. expm1(y) = 2^n·(expm1(r) + 1) − 1 = 2^n·expm1(r) + (2^n − 1), y = n·ln2 + r,
 * |r| ≤ ln2 / 2 (Cody–Waite), expm1(r) by its Taylor series to r^7 (truncation < 2e-8 relative):
 * no cancellation anywhere, so small |x| keeps its relative accuracy too. */
static inline v128_t tanh1(v128_t x) {
    const v128_t sign = wasm_v128_and(x, wasm_i32x4_const_splat((int)0x80000000u));
    v128_t a = wasm_f32x4_min(wasm_f32x4_abs(x), wasm_f32x4_const_splat(10.0f));
    v128_t y = wasm_f32x4_add(a, a);
    v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(y, wasm_f32x4_const_splat(1.44269504088896341f)));
    v128_t r = wasm_f32x4_sub(y, wasm_f32x4_mul(n, wasm_f32x4_const_splat(0.693145751953125f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_const_splat(1.428606765330187e-06f)));
    v128_t p = wasm_f32x4_const_splat(1.0f / 5040.0f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_const_splat(1.0f / 720.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_const_splat(1.0f / 120.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_const_splat(1.0f / 24.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_const_splat(1.0f / 6.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_const_splat(0.5f));
    p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r);          /* expm1(r) */
    v128_t two_n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_const_splat(127)), 23);
    v128_t e = wasm_f32x4_add(wasm_f32x4_mul(two_n, p), wasm_f32x4_sub(two_n, wasm_f32x4_const_splat(1.0f)));
    v128_t t = wasm_f32x4_div(e, wasm_f32x4_add(e, wasm_f32x4_const_splat(2.0f)));
    return wasm_v128_or(t, sign);
}

/* n (1..4) floats at p as a vector, zeros beyond; and the reverse. */
__attribute__((noinline)) static v128_t load_n(const float *p, int n) {
    if (n == 4) return wasm_v128_load(p);
    float t[4] = {0, 0, 0, 0};
    for (int l = 0; l < n; l++) t[l] = p[l];
    return wasm_v128_load(t);
}
__attribute__((noinline)) static void store_n(float *p, v128_t v, int n) {
    if (n == 4) { wasm_v128_store(p, v); return; }
    float t[4];
    wasm_v128_store(t, v);
    for (int l = 0; l < n; l++) p[l] = t[l];
}

/* tanh in place over n vectors (one copy of the code for every caller). */
__attribute__((noinline)) static void tanh_v(v128_t *v, int n) {
    for (int k = 0; k < n; k++) v[k] = tanh1(v[k]);
}

/* The cell update from one panel's four gate vectors (pre-activations z of n ≤ 4 units): reads
 * c[0..n), writes h2[0..n) and c2[0..n). Not inlined (nor is tanh_v): one copy of the code keeps
 * the module small, and a call per row and panel costs nothing next to the panel's product. */
__attribute__((noinline)) static void cell(v128_t *z, const float *c, float *h2, float *c2, int n) {
    const v128_t half = wasm_f32x4_const_splat(0.5f);
    tanh_v(z, 4);
    v128_t i = wasm_f32x4_add(half, wasm_f32x4_mul(half, z[0]));
    v128_t f = wasm_f32x4_add(half, wasm_f32x4_mul(half, z[1]));
    v128_t o = wasm_f32x4_add(half, wasm_f32x4_mul(half, z[2]));
    v128_t t[1] = {wasm_f32x4_add(wasm_f32x4_mul(f, load_n(c, n)), wasm_f32x4_mul(i, z[3]))};
    store_n(c2, t[0], n);
    tanh_v(t, 1);
    store_n(h2, wasm_f32x4_mul(o, t[0]), n);
}

/* acc[0..3] += Σ_k a[k] · w[16k .. 16k+15] over n rows, for one activation row and for two at
 * once (each weight vector loaded serves both rows). The sums run in blocks of SPAN rows, each
 * block from zero and then added to acc: float32 rounding then grows with SPAN + n / SPAN terms,
 * not n (at H = 900 it cuts the error against a float64 product by 2–4×, at no measurable cost).
 * Inside a block the partial sums live in locals: accumulated through the pointers they would be
 * stored and reloaded every row (measured ~1.6× slower at batch 50). */
#define SPAN 64
#define ZERO wasm_f32x4_const_splat(0.0f)
/* With LSTM_FMA (lstm-fma.wasm, built with -mrelaxed-simd) a multiply-add is relaxed SIMD's
 * f32x4.relaxed_madd: one fused instruction where the CPU has FMA (rounded once, not twice), the
 * same two operations where it has not. Nothing else differs between the two modules. */
#ifdef LSTM_FMA
#define MADD(acc, s, w) wasm_f32x4_relaxed_madd(s, w, acc)
#else
#define MADD(acc, s, w) wasm_f32x4_add(acc, wasm_f32x4_mul(s, w))
#endif
#define MAC(acc, s, w) do { \
    acc##0 = MADD(acc##0, s, w##0); acc##1 = MADD(acc##1, s, w##1); \
    acc##2 = MADD(acc##2, s, w##2); acc##3 = MADD(acc##3, s, w##3); } while (0)
#define ADD_TO(acc, p) do { \
    acc[0] = wasm_f32x4_add(acc[0], p##0); acc[1] = wasm_f32x4_add(acc[1], p##1); \
    acc[2] = wasm_f32x4_add(acc[2], p##2); acc[3] = wasm_f32x4_add(acc[3], p##3); } while (0)

__attribute__((noinline)) static void dot1(v128_t *acc, const float *a, const float *w, int n) {
    for (int k0 = 0; k0 < n; k0 += SPAN) {
        int k1 = n - k0 < SPAN ? n : k0 + SPAN;
        v128_t p0 = ZERO, p1 = ZERO, p2 = ZERO, p3 = ZERO;
#pragma clang loop unroll(disable)
        for (int k = k0; k < k1; k++) {
            const float *wk = w + 16 * k;
            v128_t s = wasm_v128_load32_splat(a + k);
            v128_t w0 = wasm_v128_load(wk), w1 = wasm_v128_load(wk + 4), w2 = wasm_v128_load(wk + 8), w3 = wasm_v128_load(wk + 12);
            MAC(p, s, w);
        }
        ADD_TO(acc, p);
    }
}

__attribute__((noinline)) static void dot2(v128_t *acc0, v128_t *acc1, const float *a0, const float *a1, const float *w, int n) {
    for (int k0 = 0; k0 < n; k0 += SPAN) {
        int k1 = n - k0 < SPAN ? n : k0 + SPAN;
        v128_t p0 = ZERO, p1 = ZERO, p2 = ZERO, p3 = ZERO, q0 = ZERO, q1 = ZERO, q2 = ZERO, q3 = ZERO;
#pragma clang loop unroll(disable)
        for (int k = k0; k < k1; k++) {
            const float *wk = w + 16 * k;
            v128_t w0 = wasm_v128_load(wk), w1 = wasm_v128_load(wk + 4), w2 = wasm_v128_load(wk + 8), w3 = wasm_v128_load(wk + 12);
            v128_t s0 = wasm_v128_load32_splat(a0 + k), s1 = wasm_v128_load32_splat(a1 + k);
            MAC(p, s0, w);
            MAC(q, s1, w);
        }
        ADD_TO(acc0, p);
        ADD_TO(acc1, q);
    }
}

/* acc[0..3] += u · Σ_k a[k] · q[k], q the compact panel's n rows (8 lanes of two bfloat16 per
 * row, laid out as half_index says). A bfloat16 widens to float32 by moving it to the lane's top half (high: AND, low: shift). Two rows
 * of q per iteration into two sets of partial sums (8 multiply-adds in flight). */
#define HIGH(v) wasm_v128_and(v, wasm_i32x4_const_splat((int)0xFFFF0000u))
#define LOW(v) wasm_i32x4_shl(v, 16)
__attribute__((noinline)) static void dotq(v128_t *acc, const float *a, const u32 *q, const float *u, int n) {
    v128_t r[4] = {ZERO, ZERO, ZERO, ZERO};
    for (int k0 = 0; k0 < n; k0 += SPAN) {
        int k1 = n - k0 < SPAN ? n : k0 + SPAN, k = k0;
        v128_t p0 = ZERO, p1 = ZERO, p2 = ZERO, p3 = ZERO, s0 = ZERO, s1 = ZERO, s2 = ZERO, s3 = ZERO;
#pragma clang loop unroll(disable)
        for (; k + 2 <= k1; k += 2) {
            const u32 *qk = q + 8 * k;
            v128_t A = wasm_v128_load(qk), B = wasm_v128_load(qk + 4), C = wasm_v128_load(qk + 8), D = wasm_v128_load(qk + 12);
            v128_t x = wasm_v128_load32_splat(a + k), y = wasm_v128_load32_splat(a + k + 1);
            p0 = MADD(p0, x, HIGH(A)); p1 = MADD(p1, x, LOW(A)); p2 = MADD(p2, x, HIGH(B)); p3 = MADD(p3, x, LOW(B));
            s0 = MADD(s0, y, HIGH(C)); s1 = MADD(s1, y, LOW(C)); s2 = MADD(s2, y, HIGH(D)); s3 = MADD(s3, y, LOW(D));
        }
        if (k < k1) {
            const u32 *qk = q + 8 * k;
            v128_t A = wasm_v128_load(qk), B = wasm_v128_load(qk + 4), x = wasm_v128_load32_splat(a + k);
            p0 = MADD(p0, x, HIGH(A)); p1 = MADD(p1, x, LOW(A)); p2 = MADD(p2, x, HIGH(B)); p3 = MADD(p3, x, LOW(B));
        }
        r[0] = wasm_f32x4_add(r[0], wasm_f32x4_add(p0, s0)); r[1] = wasm_f32x4_add(r[1], wasm_f32x4_add(p1, s1));
        r[2] = wasm_f32x4_add(r[2], wasm_f32x4_add(p2, s2)); r[3] = wasm_f32x4_add(r[3], wasm_f32x4_add(p3, s3));
    }
    for (int v = 0; v < 4; v++) acc[v] = MADD(acc[v], r[v], wasm_v128_load(u + 4 * v));
}

/* acc += a · (the rows of block k of panel p of LSTM layer L): the compact panels where the block
 * has them. */
static void dot_block(v128_t *acc, const float *a, const Layer *L, int p, int k) {
    int r0 = L->start[k], n = L->start[k + 1] - r0;
    if (L->compact >> k & 1) dotq(acc, a, L->Vq[k] + 8 * (u32)p * (u32)n, L->units + 16 * ((u32)k * L->P + p), n);
    else dot1(acc, a, L->Wp + 16 * ((u32)p * L->K + (u32)r0), n);
}

/* ---------------------------------------------------------------------------------------------
 * Memory: a bump layout from __heap_base, grown with memory.grow: the layers' weights in the
 * order they were added, then the I/O buffers, then the scratch area. Nothing is freed but all
 * of it at once (kernel_clear). */
static unsigned char *align64(unsigned char *p) { return (unsigned char *)(((u32)p + 63u) & ~63u); }

static int reserve(unsigned char *end) {
    u32 have = (u32)__builtin_wasm_memory_size(0) * 65536u;
    if ((u32)end <= have) return 1;
    u32 pages = ((u32)end - have + 65535u) / 65536u;
    return __builtin_wasm_memory_grow(0, pages) != (unsigned long)-1;
}

static float *carve(unsigned char **at, u32 floats) {
    float *p = (float *)align64(*at);
    *at = (unsigned char *)(p + floats);
    return p;
}

/* Forget every layer (and the I/O buffers). */
EXPORT("kernel_clear") void kernel_clear(void) {
    n_layers = 0, top = io_end = &__heap_base, cap = 0;
}

/* Add layer n_layers: kind LSTM (inputs I, units n) or LINEAR (inputs I, outputs n). Returns its
 * staging area, where the caller writes W (row-major: I + n rows of 4n for an LSTM, I rows of n
 * for a linear layer) and then b (4n or n floats), and then calls kernel_pack; 0 if the sizes are
 * bad, MAX_LAYERS are held or memory ran out (nothing is added then). Forgets the I/O buffers
 * (kernel_buffers lays them out again). */
EXPORT("kernel_add") __attribute__((minsize)) float *kernel_add(int kind, int inputs, int n) {
    if (n_layers == MAX_LAYERS || inputs < 1 || n < 1 || (kind != LSTM && kind != LINEAR)) return 0;
    Layer *L = &layers[n_layers];
    unsigned char *at = n_layers ? top : &__heap_base;
    int lstm = kind == LSTM;
    L->kind = kind, L->I = inputs, L->H = n;
    L->K = lstm ? inputs + n : inputs, L->cols = lstm ? 4 * n : n, L->P = lstm ? (n + 3) / 4 : (n + 15) / 16;
    L->start[0] = 0, L->start[1] = inputs, L->start[2] = L->K;
    L->Wp = carve(&at, (u32)L->P * L->K * 16);
    L->bp = carve(&at, (u32)L->P * 16);
    if (lstm) {
        for (int k = 0; k < 2; k++) L->Vq[k] = (u32 *)carve(&at, (u32)L->P * (L->start[k + 1] - L->start[k]) * 8);
        L->units = carve(&at, 2 * (u32)L->P * 16);
        L->colstat = carve(&at, 2 * (u32)L->cols);
    }
    L->stage = carve(&at, (u32)L->K * L->cols + L->cols);
    if (!reserve(at)) return 0;
    L->compact = 0;
    top = io_end = at, cap = 0, n_layers++;
    return L->stage;
}

/* Panel column pc (16p + c) → the staging column it holds, or −1 for padding. An LSTM's column c
 * of panel p is gate c / 4 of unit 4p + c % 4; a linear layer's is output 16p + c. */
static int staging_column(const Layer *L, u32 pc) {
    if (L->kind == LINEAR) return pc < (u32)L->H ? (int)pc : -1;
    int j = 4 * (int)(pc / 16) + (int)(pc & 3);
    return j < L->H ? (int)((pc % 16) / 4) * L->H + j : -1;
}

/* The reverse for an LSTM: staging column col → its panel column 16p + c (its index in a block's
 * units). */
static u32 panel_column(const Layer *L, int col) {
    int j = col % L->H;
    return 16 * (u32)(j / 4) + 4 * (u32)(col / L->H) + (u32)(j & 3);
}

/* Where panel column pc lies in a block's compact panels (of rows rows), counted in 16-bit halves:
 * its index in the block's first row of panel p (each further row adds 16). Lanes 0-3 of a row hold
 * the panel's columns 0-3 (high half) and 4-7 (low), lanes 4-7 its columns 8-11 (high) and 12-15
 * (low); little-endian, so a lane's high half is its second. */
static u32 half_index(u32 pc, u32 rows) {
    u32 p = pc / 16, c = pc % 16;
    return p * rows * 16 + 2 * (c < 8 ? c & 3 : 4 + (c & 3)) + ((c & 4) == 0);
}

/* LSTM block blk's compact panels from the staging area, if every column of the block factors; 1
 * if it did. Column col's integers are q = w / u, u = small / m for the first m = 1, 2, ..., 16 at which
 * every q is within tol of an integer of |q| ≤ 256 (tol: 2^-22 of the block column's largest |w|,
 * a float32 rounding of q·u being what a dequantized weight is; small: its smallest nonzero |w|, 0
 * for a zero column, whose q are all 0). m = 1 fits nearly every column of a trained model, not
 * always every one of random quantized weights. First small and the largest |w| of every column,
 * row by row (the staging area is row-major); then four columns (one vector) at a time, all the
 * block's rows at once for each m: the lanes that fit keep their unit (their q, written again while
 * other lanes try the next m, do not change), and a try stops at the first row where every lane
 * still trying has failed (so weights that do not factor, such as a console edit, cost little).
 * Four columns to a vector throughout (4H columns), one path for every m. */
static int pack_block(Layer *L, int blk) {
    const u32 n = (u32)L->cols;
    const int r0 = L->start[blk], r1 = L->start[blk + 1];
    const float *W = L->stage;
    float *small = L->colstat, *tol = L->colstat + n, *units = L->units + 16 * (u32)blk * L->P;
    const u32 rows = (u32)(r1 - r0);
    unsigned short *halves = (unsigned short *)L->Vq[blk];
    const v128_t inf = wasm_f32x4_const_splat(__builtin_inff()), zero = ZERO, one = wasm_f32x4_const_splat(1.0f);
    const v128_t limit = wasm_f32x4_const_splat(256.0f);
    for (u32 col = 0; col < n; col++) small[col] = __builtin_inff(), tol[col] = 0;
    for (int k = r0; k < r1; k++) {
        const float *row = W + (u32)k * n;
        for (u32 col = 0; col < n; col += 4) {
            v128_t a = wasm_f32x4_abs(wasm_v128_load(row + col));
            wasm_v128_store(tol + col, wasm_f32x4_max(wasm_v128_load(tol + col), a));
            v128_t nonzero = wasm_v128_bitselect(a, inf, wasm_f32x4_gt(a, zero));
            wasm_v128_store(small + col, wasm_f32x4_min(wasm_v128_load(small + col), nonzero));
        }
    }
    for (u32 col = 0; col < n; col++) {
        if (small[col] == __builtin_inff()) small[col] = 0;  /* a zero column: unit 0, every q 0 */
        tol[col] *= 0x1p-22f;
    }
    for (u32 i = (u32)(L->P - 1) * rows * 8; i < (u32)L->P * rows * 8; i++) L->Vq[blk][i] = 0;  /* the last panel's padding */
    for (int i = 0; i < L->P * 16; i++) units[i] = 0;
    for (u32 col = 0; col < n; col += 4) {
        const u32 s0 = half_index(panel_column(L, (int)col), rows), s1 = half_index(panel_column(L, (int)col + 1), rows);
        const u32 s2 = half_index(panel_column(L, (int)col + 2), rows), s3 = half_index(panel_column(L, (int)col + 3), rows);
        const v128_t lo = wasm_v128_load(small + col), tl = wasm_v128_load(tol + col);
        v128_t u = lo, trying = wasm_i32x4_const_splat(-1);
        for (int m = 1;; m++) {
            v128_t r = wasm_v128_bitselect(wasm_f32x4_div(one, u), zero, wasm_f32x4_gt(u, zero));  /* 1/u, or 0 */
            v128_t fits = trying;
            for (int k = r0; k < r1 && wasm_v128_any_true(fits); k++) {
                v128_t v = wasm_v128_load(W + (u32)k * n + col);
                v128_t q = wasm_f32x4_nearest(wasm_f32x4_mul(v, r));
                v128_t off = wasm_f32x4_abs(wasm_f32x4_sub(wasm_f32x4_mul(q, u), v));
                fits = wasm_v128_and(fits, wasm_v128_and(wasm_f32x4_le(wasm_f32x4_abs(q), limit), wasm_f32x4_le(off, tl)));
                v128_t bits = wasm_u32x4_shr(q, 16);  /* bfloat16 of q: exact for |q| ≤ 256 */
                u32 row = 16 * (u32)(k - r0);
                halves[s0 + row] = (unsigned short)wasm_u32x4_extract_lane(bits, 0);
                halves[s1 + row] = (unsigned short)wasm_u32x4_extract_lane(bits, 1);
                halves[s2 + row] = (unsigned short)wasm_u32x4_extract_lane(bits, 2);
                halves[s3 + row] = (unsigned short)wasm_u32x4_extract_lane(bits, 3);
            }
            trying = wasm_v128_andnot(trying, fits);
            if (!wasm_v128_any_true(trying)) break;
            if (m == 16) return 0;
            u = wasm_v128_bitselect(wasm_f32x4_div(lo, wasm_f32x4_splat((float)(m + 1))), u, trying);
        }
        units[panel_column(L, (int)col)] = wasm_f32x4_extract_lane(u, 0);
        units[panel_column(L, (int)col + 1)] = wasm_f32x4_extract_lane(u, 1);
        units[panel_column(L, (int)col + 2)] = wasm_f32x4_extract_lane(u, 2);
        units[panel_column(L, (int)col + 3)] = wasm_f32x4_extract_lane(u, 3);
    }
    return 1;
}

/* Layer l's staging area → its panels, and an LSTM's compact ones of every block that factors.
 * Returns the compact blocks as bits (bit k: block k; 0 for a linear layer), or −1 for a layer not
 * held. Safe to call again after
 * new weights were written to the staging area. */
EXPORT("kernel_pack") __attribute__((minsize)) int kernel_pack(int l) {
    if (l < 0 || l >= n_layers) return -1;
    Layer *L = &layers[l];
    const float *W = L->stage, *b = W + (u32)L->K * L->cols;
    for (int p = 0; p < L->P; p++) {
        float *dst = L->Wp + (u32)p * L->K * 16;
        int src[16];
        for (int c = 0; c < 16; c++) {
            src[c] = staging_column(L, 16 * (u32)p + (u32)c);
            L->bp[16 * p + c] = src[c] < 0 ? 0.0f : b[src[c]];
        }
        for (int k = 0; k < L->K; k++)
            for (int c = 0; c < 16; c++) dst[16 * k + c] = src[c] < 0 ? 0.0f : W[(u32)k * L->cols + (u32)src[c]];
    }
    L->compact = 0;
    if (L->kind == LSTM)
        for (int k = 0; k < 2; k++) L->compact |= pack_block(L, k) << k;
    return L->compact;
}

/* The I/O buffers' layout for B rows, from top: every layer's, in order; with set, into the
 * layers. Returns its end. */
static unsigned char *layout_io(int B, int set) {
    unsigned char *at = top;
    for (int l = 0; l < n_layers; l++) {
        Layer *L = &layers[l];
        u32 rows[5] = {(u32)L->I, (u32)L->H, (u32)L->H, (u32)L->H, (u32)L->H};
        for (int k = 0; k < (L->kind == LSTM ? 5 : 2); k++) {
            float *p = carve(&at, (u32)B * rows[k]);
            if (set) L->io[k] = p;
        }
    }
    return at;
}

/* I/O buffers for up to B rows of every layer (at least the capacity already laid out): returns
 * the capacity, 0 if no layer is held or memory ran out. Growing moves nothing that holds weights,
 * but JS views of the old memory buffer must be re-made. */
EXPORT("kernel_buffers") __attribute__((minsize)) int kernel_buffers(int B) {
    if (!n_layers || B < 1) return 0;
    if (B > cap) {
        unsigned char *end = layout_io(B, 0);
        if (!reserve(end)) return 0;
        layout_io(B, 1);
        io_end = end, cap = B;
    }
    return cap;
}

/* The byte offset of layer l's buffer k: an LSTM's x, h, c, h2, c2 (k = 0..4), a linear layer's
 * a, y (k = 0, 1); 0 for none (or before kernel_buffers). */
EXPORT("kernel_buffer") int kernel_buffer(int l, int k) {
    if (l < 0 || l >= n_layers || !cap || k < 0 || k >= (layers[l].kind == LSTM ? 5 : 2)) return 0;
    return (int)layers[l].io[k];
}

/* n floats of scratch after the I/O buffers (valid until layers or buffers change); 0 if memory ran out. */
EXPORT("kernel_scratch") __attribute__((minsize)) float *kernel_scratch(int n) {
    if (!io_end) io_end = top = &__heap_base;
    unsigned char *at = io_end;
    float *p = carve(&at, n > 0 ? (u32)n : 0u);
    return reserve(at) ? p : 0;
}

/* The first cols (1..16) of a panel's four accumulators to y. */
__attribute__((noinline)) static void store_cols(float *y, const v128_t *acc, int cols) {
    for (int v = 0; 4 * v < cols; v++) store_n(y + 4 * v, acc[v], cols - 4 * v < 4 ? cols - 4 * v : 4);
}

/* y (B × n_out) = a (B × n_in) · W + b for linear layer F. */
static void linear_rows(const Layer *F, const float *a, float *y, int B) {
    const int n_in = F->I, n_out = F->H;
    for (int q = 0; q < F->P; q++) {
        const float *w = F->Wp + (u32)q * F->K * 16, *bias = F->bp + 16 * q;
        int cols = n_out - 16 * q < 16 ? n_out - 16 * q : 16, b = 0;
        for (; b + 2 <= B; b += 2) {
            v128_t a0[4], a1[4];
            for (int v = 0; v < 4; v++) a0[v] = a1[v] = wasm_v128_load(bias + 4 * v);
            dot2(a0, a1, a + (u32)b * n_in, a + (u32)(b + 1) * n_in, w, n_in);
            store_cols(y + (u32)b * n_out + 16 * q, a0, cols);
            store_cols(y + (u32)(b + 1) * n_out + 16 * q, a1, cols);
        }
        for (; b < B; b++) {
            v128_t a0[4];
            for (int v = 0; v < 4; v++) a0[v] = wasm_v128_load(bias + 4 * v);
            dot1(a0, a + (u32)b * n_in, w, n_in);
            store_cols(y + (u32)b * n_out + 16 * q, a0, cols);
        }
    }
}

/* One step of LSTM layer l for B rows of its buffers: x (B × I); h, c (B × H), or with shared ≠ 0
 * one row each that every x row continues (Model.branch: the recurrent product is done once).
 * Writes h2, c2 (B × H) and, with follow ≥ 0, linear layer follow's y = h2 · W + b (its inputs
 * must be H). Returns 1, or 0 (nothing computed) for a layer, size or follow that does not fit. */
EXPORT("kernel_step") int kernel_step(int l, int B, int shared, int follow) {
    if (l < 0 || l >= n_layers || layers[l].kind != LSTM || B < 1 || B > cap) return 0;
    /* A copy of the layer's description: its fields stay in locals through the loops (the stores
     * of h2 and c2 could otherwise alias them, and they would be reloaded for every panel). */
    const Layer layer = layers[l], *L = &layer, *F = follow >= 0 && follow < n_layers ? &layers[follow] : 0;
    if (follow >= 0 && (!F || F->kind != LINEAR || F->I != L->H)) return 0;
    const int I = L->I, H = L->H;
    const float *x = L->io[0], *h = L->io[1], *c = L->io[2];
    float *h2 = L->io[3], *c2 = L->io[4];
    for (int p = 0; p < L->P; p++) {
        const float *w = L->Wp + (u32)p * L->K * 16, *wh = w + (u32)I * 16, *bp = L->bp + 16 * p;
        v128_t bias[4] = {wasm_v128_load(bp), wasm_v128_load(bp + 4), wasm_v128_load(bp + 8), wasm_v128_load(bp + 12)};
        int j = 4 * p, n = H - j < 4 ? H - j : 4;
        if (shared) {
            v128_t r[4] = {bias[0], bias[1], bias[2], bias[3]};
            dot_block(r, h, L, p, 1);
            for (int b = 0; b < B; b++) {
                v128_t a[4] = {r[0], r[1], r[2], r[3]};
                dot_block(a, x + (u32)b * I, L, p, 0);
                cell(a, c + j, h2 + (u32)b * H + j, c2 + (u32)b * H + j, n);
            }
            continue;
        }
        int b = 0;
        for (; b + 2 <= B; b += 2) {
            v128_t a0[4] = {bias[0], bias[1], bias[2], bias[3]}, a1[4] = {bias[0], bias[1], bias[2], bias[3]};
            dot2(a0, a1, x + (u32)b * I, x + (u32)(b + 1) * I, w, I);
            dot2(a0, a1, h + (u32)b * H, h + (u32)(b + 1) * H, wh, H);
            u32 o0 = (u32)b * H + j, o1 = o0 + H;
            cell(a0, c + o0, h2 + o0, c2 + o0, n);
            cell(a1, c + o1, h2 + o1, c2 + o1, n);
        }
        for (; b < B; b++) {
            v128_t a[4] = {bias[0], bias[1], bias[2], bias[3]};
            dot_block(a, x + (u32)b * I, L, p, 0);
            dot_block(a, h + (u32)b * H, L, p, 1);
            u32 o = (u32)b * H + j;
            cell(a, c + o, h2 + o, c2 + o, n);
        }
    }
    if (F) linear_rows(F, h2, F->io[1], B);
    return 1;
}

/* y = a · W + b for B rows of linear layer l's buffers. Returns 1, or 0 for a layer or size that
 * does not fit. */
EXPORT("kernel_linear") int kernel_linear(int l, int B) {
    if (l < 0 || l >= n_layers || layers[l].kind != LINEAR || B < 1 || B > cap) return 0;
    linear_rows(&layers[l], layers[l].io[0], layers[l].io[1], B);
    return 1;
}

/* tanh in place over n floats at p (for the tests: the same tanh the step uses). */
EXPORT("kernel_tanh") void kernel_tanh(float *p, int n) {
    for (int i = 0; i < n; i += 4) {
        v128_t v[1] = {load_n(p + i, n - i < 4 ? n - i : 4)};
        tanh_v(v, 1);
        store_n(p + i, v[0], n - i < 4 ? n - i : 4);
    }
}
