/* The LSTM update and the output layer's product of engine/backend.py's NumpyBackend as one fused
 * WebAssembly SIMD kernel (no libc, no Emscripten).
 *
 * Math (engine.backend.Lstm's form, weights already folded and reordered by Model.__init__):
 *   z  = [x, h] · W + b          W (3+H, 4H), columns i, f, o (halved) | g
 *   t  = tanh(z);  i, f, o = 0.5 + 0.5·t;  g = t
 *   c' = f·c + i·g;  h' = o·tanh(c');  y = h'·W_out + b_out   (H × n_out)
 *
 * Layout. The weights arrive row-major in a staging area (lstm_prepare returns it) and lstm_pack
 * repacks them into panels: panel p holds hidden units 4p..4p+3 as 16 columns, the four gates
 * i, f, o, g of those units side by side, for all 3 + H rows, contiguously (K × 16 floats). One
 * panel's product for a batch row is then 4 f32x4 accumulators that ARE the four gates of 4 units,
 * so the cell update runs straight from registers and z is never stored. The output layer is
 * packed the same way (16 output columns per panel, H rows). Panels are the outer loop and batch
 * rows (two at a time) the inner one, so a panel (32 KB at H = 500) is read from L1 by every row.
 * H and n_out need not be multiples of 4 or 16: panels are zero-padded, stores are partial.
 *
 * Compact recurrent panels. A product with ONE row of h (batch 1, and Model.branch's shared row)
 * reads all 4 MB of the recurrent weights per step at H = 500, more than this class of CPU's L2
 * cache, and is bound by that. Quantized weights (the project's q8 files, the 2016 file) are, per
 * column j, integers times a unit u_j (times the folding Model.__init__ applies, itself a column
 * factor). lstm_pack finds u_j (from the column's smallest nonzero |w|) and, when every recurrent
 * column is such a multiple with |q| ≤ 256, keeps the q too, as bfloat16 (integers up to 256 are
 * exact in it: the copy is lossless), two per 32-bit lane: half the bytes, and widening is one
 * AND or one shift per 4 weights. A one-row product then sums h·q and scales the sum by u once.
 * Several rows at a time (dot2) stay on the float panels: there the work is arithmetic, not
 * bytes. Weights that do not factor (random ones, a console edit such as W += noise) use the
 * float panels everywhere.
 *
 * I/O buffers (lstm_buffers(B) returns their table) hold rows with stride H, n_out, 3: no padding.
 */
#include <wasm_simd128.h>

typedef unsigned int u32;
#define EXPORT(name) __attribute__((export_name(name)))

extern unsigned char __heap_base;

static int H, N_OUT, K, P, Q;           /* hidden, outputs, rows 3 + H, gate panels, output panels */
static float *Wp, *bp, *Wo, *bo, *stage; /* packed weights, padded biases, row-major staging */
static u32 *Vq;                          /* compact recurrent panels: P × H × 8 lanes of 2 bfloat16 */
static float *units;                     /* P × 16 column units u_j of the compact panels */
static float *colstat;                   /* 2 × 4H values: lstm_pack's per-column scratch */
static int compact;                      /* 1 when Vq and units hold the recurrent weights */
static unsigned char *io_base;
static int cap;                          /* batch rows the I/O buffers hold */
static int table[8];                     /* x, h, c, h2, c2, y, cap, scratch */

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

/* acc += h · (the recurrent rows of panel p): the compact panels where there are. */
static void dot_h(v128_t *acc, const float *h, int p) {
    if (compact) dotq(acc, h, Vq + (u32)p * H * 8, units + 16 * p, H);
    else dot1(acc, h, Wp + (u32)p * K * 16 + 3 * 16, H);
}

/* ---------------------------------------------------------------------------------------------
 * Memory: a bump layout from __heap_base, grown with memory.grow; nothing is ever freed. */
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

/* Size the model: returns the staging area where the caller writes, back to back and row-major,
 * W (3+H)·4H, b 4H, W_out H·n_out, b_out n_out (float32), then calls lstm_pack; 0 if memory ran
 * out. Forgets the I/O buffers (lstm_buffers lays them out again). */
EXPORT("lstm_prepare") __attribute__((minsize)) float *lstm_prepare(int hidden, int n_out) {
    if (hidden < 1 || n_out < 1) return 0;
    H = hidden, N_OUT = n_out, K = 3 + hidden, P = (hidden + 3) / 4, Q = (n_out + 15) / 16;
    unsigned char *at = &__heap_base;
    Wp = carve(&at, (u32)P * K * 16);
    bp = carve(&at, (u32)P * 16);
    Wo = carve(&at, (u32)Q * H * 16);
    bo = carve(&at, (u32)Q * 16);
    Vq = (u32 *)carve(&at, (u32)P * H * 8);
    units = carve(&at, (u32)P * 16);
    colstat = carve(&at, 2 * 4 * (u32)H);
    stage = carve(&at, (u32)K * 4 * H + 4 * H + (u32)H * N_OUT + N_OUT);
    io_base = align64(at);
    cap = 0, compact = 0;
    return reserve(io_base) ? stage : 0;
}

/* Column col of the recurrent rows (gate col / H of unit col % H) is column c of panel p: returns
 * 16p + c, its index in units. */
static u32 panel_column(int col) {
    int j = col % H;
    return 16 * (u32)(j / 4) + 4 * (u32)(col / H) + (u32)(j & 3);
}

/* Where panel column pc (16p + c) lies in the compact panels, counted in 16-bit halves: its index
 * in row 0 of panel p (row k adds 16k). Lanes 0-3 of a row hold the panel's columns 0-3 (high
 * half) and 4-7 (low), lanes 4-7 its columns 8-11 (high) and 12-15 (low); little-endian, so a
 * lane's high half is its second. */
static u32 half_index(u32 pc) {
    u32 p = pc / 16, c = pc % 16;
    return p * (u32)H * 16 + 2 * (c < 8 ? c & 3 : 4 + (c & 3)) + ((c & 4) == 0);
}

/* The compact panels from the staging area, if every recurrent column factors; 1 if they were.
 * Column col's integers are q = w / u, u = small / m for the first m = 1, 2, ..., 16 at which every
 * q is within tol of an integer of |q| ≤ 256 (tol: 2^-22 of the column's largest |w|, a float32
 * rounding of q·u being what a dequantized weight is; small: its smallest nonzero |w|, 0 for a zero
 * column, whose q are all 0). m = 1 fits nearly every column of a trained model, not always every
 * one of random quantized weights. First small and the largest |w| of every column, row by row (the
 * staging area is row-major); then four columns (one vector) at a time, all rows at once for each
 * m: the lanes that fit keep their unit (their q, written again while other lanes try the next m,
 * do not change), and a try stops at the first row where every lane still trying has failed (so
 * weights that do not factor, such as a console edit, cost little). Four columns to a vector
 * throughout, one path for every m. */
static int pack_compact(const float *W) {
    u32 n = 4 * (u32)H;
    float *small = colstat, *tol = colstat + n;
    unsigned short *halves = (unsigned short *)Vq;
    const v128_t inf = wasm_f32x4_const_splat(__builtin_inff()), zero = ZERO, one = wasm_f32x4_const_splat(1.0f);
    const v128_t limit = wasm_f32x4_const_splat(256.0f);
    for (u32 col = 0; col < n; col++) small[col] = __builtin_inff(), tol[col] = 0;
    for (int k = 0; k < H; k++) {
        const float *row = W + (u32)(3 + k) * n;
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
    for (u32 i = (u32)(P - 1) * H * 8; i < (u32)P * H * 8; i++) Vq[i] = 0;  /* the last panel's padding */
    for (int i = 0; i < P * 16; i++) units[i] = 0;
    for (u32 col = 0; col < n; col += 4) {
        const u32 s0 = half_index(panel_column((int)col)), s1 = half_index(panel_column((int)col + 1));
        const u32 s2 = half_index(panel_column((int)col + 2)), s3 = half_index(panel_column((int)col + 3));
        const v128_t lo = wasm_v128_load(small + col), tl = wasm_v128_load(tol + col);
        v128_t u = lo, trying = wasm_i32x4_const_splat(-1);
        for (int m = 1;; m++) {
            v128_t r = wasm_v128_bitselect(wasm_f32x4_div(one, u), zero, wasm_f32x4_gt(u, zero));  /* 1/u, or 0 */
            v128_t fits = trying;
            for (int k = 0; k < H && wasm_v128_any_true(fits); k++) {
                v128_t v = wasm_v128_load(W + (u32)(3 + k) * n + col);
                v128_t q = wasm_f32x4_nearest(wasm_f32x4_mul(v, r));
                v128_t off = wasm_f32x4_abs(wasm_f32x4_sub(wasm_f32x4_mul(q, u), v));
                fits = wasm_v128_and(fits, wasm_v128_and(wasm_f32x4_le(wasm_f32x4_abs(q), limit), wasm_f32x4_le(off, tl)));
                v128_t bits = wasm_u32x4_shr(q, 16);  /* bfloat16 of q: exact for |q| ≤ 256 */
                u32 row = 16 * (u32)k;
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
        units[panel_column((int)col)] = wasm_f32x4_extract_lane(u, 0);
        units[panel_column((int)col + 1)] = wasm_f32x4_extract_lane(u, 1);
        units[panel_column((int)col + 2)] = wasm_f32x4_extract_lane(u, 2);
        units[panel_column((int)col + 3)] = wasm_f32x4_extract_lane(u, 3);
    }
    return 1;
}

/* Staging → panels, and the compact ones where the weights factor (returns 1 then). Safe to call
 * again after new weights were written to the staging area. */
EXPORT("lstm_pack") __attribute__((minsize)) int lstm_pack(void) {
    const float *W = stage, *b = W + (u32)K * 4 * H, *V = b + 4 * H, *c = V + (u32)H * N_OUT;
    for (int p = 0; p < P; p++) {
        float *dst = Wp + (u32)p * K * 16;
        for (int k = 0; k < K; k++)
            for (int g = 0; g < 4; g++)
                for (int l = 0; l < 4; l++) {
                    int j = 4 * p + l;
                    dst[16 * k + 4 * g + l] = j < H ? W[(u32)k * 4 * H + g * H + j] : 0.0f;
                }
        for (int g = 0; g < 4; g++)
            for (int l = 0; l < 4; l++) {
                int j = 4 * p + l;
                bp[16 * p + 4 * g + l] = j < H ? b[g * H + j] : 0.0f;
            }
    }
    for (int q = 0; q < Q; q++) {
        float *dst = Wo + (u32)q * H * 16;
        for (int k = 0; k < H; k++)
            for (int l = 0; l < 16; l++) {
                int j = 16 * q + l;
                dst[16 * k + l] = j < N_OUT ? V[(u32)k * N_OUT + j] : 0.0f;
            }
        for (int l = 0; l < 16; l++) {
            int j = 16 * q + l;
            bo[16 * q + l] = j < N_OUT ? c[j] : 0.0f;
        }
    }
    return compact = pack_compact(W);
}

/* I/O buffers for up to B rows (at least the capacity already laid out). Returns a table of byte
 * offsets: x (B×3), h (B×H), c (B×H), h2 (B×H), c2 (B×H), y (B×n_out), the capacity, and a
 * scratch area of max(B×H, B×n_out) floats; 0 if memory ran out. Growing moves nothing that holds
 * weights, but JS views of the old memory buffer must be re-made. */
EXPORT("lstm_buffers") __attribute__((minsize)) int *lstm_buffers(int B) {
    if (!H || B < 1) return 0;
    if (B > cap) {
        unsigned char *at = io_base;
        u32 n = (u32)B * (H > N_OUT ? H : N_OUT);
        float *x = carve(&at, (u32)B * 3), *h = carve(&at, (u32)B * H), *c = carve(&at, (u32)B * H);
        float *h2 = carve(&at, (u32)B * H), *c2 = carve(&at, (u32)B * H), *y = carve(&at, (u32)B * N_OUT);
        float *s = carve(&at, n);
        if (!reserve(at)) return 0;
        table[0] = (int)x, table[1] = (int)h, table[2] = (int)c, table[3] = (int)h2;
        table[4] = (int)c2, table[5] = (int)y, table[7] = (int)s;
        table[6] = cap = B;
    }
    return table;
}

/* The first cols (1..16) of a panel's four accumulators to y. */
__attribute__((noinline)) static void store_cols(float *y, const v128_t *acc, int cols) {
    for (int v = 0; 4 * v < cols; v++) store_n(y + 4 * v, acc[v], cols - 4 * v < 4 ? cols - 4 * v : 4);
}

/* y (B×n_out) = h (B×H) · W_out + b_out. */
static void outputs(const float *h, float *y, int B) {
    for (int q = 0; q < Q; q++) {
        const float *w = Wo + (u32)q * H * 16, *bias = bo + 16 * q;
        int cols = N_OUT - 16 * q < 16 ? N_OUT - 16 * q : 16, b = 0;
        for (; b + 2 <= B; b += 2) {
            v128_t a0[4], a1[4];
            for (int v = 0; v < 4; v++) a0[v] = a1[v] = wasm_v128_load(bias + 4 * v);
            dot2(a0, a1, h + (u32)b * H, h + (u32)(b + 1) * H, w, H);
            store_cols(y + (u32)b * N_OUT + 16 * q, a0, cols);
            store_cols(y + (u32)(b + 1) * N_OUT + 16 * q, a1, cols);
        }
        for (; b < B; b++) {
            v128_t a0[4];
            for (int v = 0; v < 4; v++) a0[v] = wasm_v128_load(bias + 4 * v);
            dot1(a0, h + (u32)b * H, w, H);
            store_cols(y + (u32)b * N_OUT + 16 * q, a0, cols);
        }
    }
}

/* One step for B rows of the buffers: x (B×3); h, c (B×H), or with shared ≠ 0 one row each that
 * every x row continues (Model.branch: the recurrent product is done once). Writes h2, c2 (B×H)
 * and, with with_y ≠ 0, y = h2 · W_out + b_out. */
EXPORT("lstm_step") void lstm_step(int B, int shared, int with_y) {
    const float *x = (const float *)table[0], *h = (const float *)table[1], *c = (const float *)table[2];
    float *h2 = (float *)table[3], *c2 = (float *)table[4];
    if (B < 1 || B > cap) return;
    for (int p = 0; p < P; p++) {
        const float *w = Wp + (u32)p * K * 16, *wh = w + 3 * 16;
        v128_t bias[4] = {wasm_v128_load(bp + 16 * p), wasm_v128_load(bp + 16 * p + 4),
                          wasm_v128_load(bp + 16 * p + 8), wasm_v128_load(bp + 16 * p + 12)};
        int j = 4 * p, n = H - j < 4 ? H - j : 4;
        if (shared) {
            v128_t r[4] = {bias[0], bias[1], bias[2], bias[3]};
            dot_h(r, h, p);
            for (int b = 0; b < B; b++) {
                v128_t a[4] = {r[0], r[1], r[2], r[3]};
                dot1(a, x + 3 * b, w, 3);
                cell(a, c + j, h2 + (u32)b * H + j, c2 + (u32)b * H + j, n);
            }
            continue;
        }
        int b = 0;
        for (; b + 2 <= B; b += 2) {
            v128_t a0[4] = {bias[0], bias[1], bias[2], bias[3]}, a1[4] = {bias[0], bias[1], bias[2], bias[3]};
            dot2(a0, a1, x + 3 * b, x + 3 * (b + 1), w, 3);
            dot2(a0, a1, h + (u32)b * H, h + (u32)(b + 1) * H, wh, H);
            u32 o0 = (u32)b * H + j, o1 = o0 + H;
            cell(a0, c + o0, h2 + o0, c2 + o0, n);
            cell(a1, c + o1, h2 + o1, c2 + o1, n);
        }
        for (; b < B; b++) {
            v128_t a[4] = {bias[0], bias[1], bias[2], bias[3]};
            dot1(a, x + 3 * b, w, 3);
            dot_h(a, h + (u32)b * H, p);
            u32 o = (u32)b * H + j;
            cell(a, c + o, h2 + o, c2 + o, n);
        }
    }
    if (with_y) outputs(h2, (float *)table[5], B);
}

/* y = h · W_out + b_out for B rows of the h buffer (the mixture of a state already computed). */
EXPORT("lstm_outputs") void lstm_outputs(int B) {
    if (B >= 1 && B <= cap) outputs((const float *)table[1], (float *)table[5], B);
}

/* tanh in place over n floats at p (for the tests: the same tanh the step uses). */
EXPORT("lstm_tanh") void lstm_tanh(float *p, int n) {
    for (int i = 0; i < n; i += 4) {
        v128_t v[1] = {load_n(p + i, n - i < 4 ? n - i : 4)};
        tanh_v(v, 1);
        store_n(p + i, v[0], n - i < 4 ? n - i : 4);
    }
}
