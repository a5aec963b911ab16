/* One training epoch of neuronlab's MLP in a single call: the compiled twin of
 * network.loss_and_gradient + Adam/SGD in models/mlp.py, step for step and in the
 * same float32 operations, so both paths train the same network up to rounding.
 *
 * Matrix products go through the sgemm that scipy ships (passed in as a function
 * pointer); everything else is plain loops, fused so each batch is read once.
 * Arrays are row-major float32; params and grad are the flat [W1..WL, b1..bL] buffer.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef void (*sgemm_t)(const char *, const char *, const int *, const int *, const int *,
                        const float *, const float *, const int *, const float *, const int *,
                        const float *, float *, const int *);

enum { ACT_IDENTITY = 0, ACT_LOGISTIC = 1, ACT_TANH = 2, ACT_RELU = 3 };

static float expit(float z) { return 1.0f / (1.0f + expf(-z)); }

/* sum of x[i]^2 in double; eight partial sums let the compiler vectorise the loop */
static double sum_squares(const float *x, int64_t size) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= size; i += 8)
        for (int j = 0; j < 8; j++) part[j] += (double)x[i + j] * x[i + j];
    for (; i < size; i++) part[0] += (double)x[i] * x[i];
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

/* C (rows x n_out) = A (rows x n_in) @ W (n_in x n_out), row-major. */
static void forward(sgemm_t sgemm, const float *A, const float *W, float *C, int rows, int n_in,
                    int n_out) {
    const float one = 1.0f, zero = 0.0f;
    sgemm("N", "N", &n_out, &rows, &n_in, &one, W, &n_out, A, &n_in, &zero, C, &n_out);
}

/* G (n_in x n_out) = A^T (n_in x rows) @ D (rows x n_out). */
static void weight_grad(sgemm_t sgemm, const float *A, const float *D, float *G, int rows,
                        int n_in, int n_out) {
    const float one = 1.0f, zero = 0.0f;
    sgemm("N", "T", &n_out, &n_in, &rows, &one, D, &n_out, A, &n_in, &zero, G, &n_out);
}

/* P (rows x n_in) = D (rows x n_out) @ W^T (n_out x n_in). */
static void back(sgemm_t sgemm, const float *D, const float *W, float *P, int rows, int n_in,
                 int n_out) {
    const float one = 1.0f, zero = 0.0f;
    sgemm("T", "N", &n_in, &rows, &n_out, &one, W, &n_out, D, &n_out, &zero, P, &n_in);
}

static void activate(float *a, int64_t size, int act) {
    int64_t i;
    if (act == ACT_LOGISTIC) {
        for (i = 0; i < size; i++) a[i] = expit(a[i]);
    } else if (act == ACT_TANH) {
        for (i = 0; i < size; i++) a[i] = tanhf(a[i]);
    } else if (act == ACT_RELU) {
        for (i = 0; i < size; i++) a[i] = a[i] > 0.0f ? a[i] : 0.0f;
    }
}

/* delta *= f'(z), written through the unit's output a. */
static void derivative(const float *a, float *delta, int64_t size, int act) {
    int64_t i;
    if (act == ACT_LOGISTIC) {
        for (i = 0; i < size; i++) delta[i] *= (1.0f - a[i]) * a[i];
    } else if (act == ACT_TANH) {
        for (i = 0; i < size; i++) delta[i] *= 1.0f - a[i] * a[i];
    } else if (act == ACT_RELU) {
        for (i = 0; i < size; i++)
            if (a[i] <= 0.0f) delta[i] = 0.0f;
    }
}

/* Train one epoch over X[order[0..n_rows)] in batches; returns 0, or -1 on bad arguments.
 * work holds batch * (n_features + n_out + 2 * sum(units[1..])) floats. */
int nl_epoch(sgemm_t sgemm, int n_layers, const int *units, float *params, float *grad,
             const float *X, const float *T, const int64_t *labels, const int64_t *order,
             int64_t n_rows, int batch, int hidden_act, int softmax_out, double alpha, int solver,
             float *m, float *v, int64_t *step, double lr, double beta1, double beta2,
             double eps, double momentum, int nesterov, float *work, double *out_loss,
             int64_t *out_correct) {
    enum { MAX_LAYERS = 64 };
    float *W[MAX_LAYERS], *b[MAX_LAYERS], *gW[MAX_LAYERS], *gb[MAX_LAYERS];
    float *acts[MAX_LAYERS], *deltas[MAX_LAYERS];
    int64_t n_weights = 0, size = 0, off;
    int i, l;
    const int d = units[0], n_out = units[n_layers];
    const float eps32 = 1.1920928955078125e-07f; /* float32 eps, scikit-learn's clip */
    if (n_layers < 1 || n_layers >= MAX_LAYERS || batch < 1) return -1;

    off = 0;
    for (l = 0; l < n_layers; l++) {
        W[l] = params + off;
        gW[l] = grad + off;
        off += (int64_t)units[l] * units[l + 1];
    }
    n_weights = off;
    for (l = 0; l < n_layers; l++) {
        b[l] = params + off;
        gb[l] = grad + off;
        off += units[l + 1];
    }
    size = off;

    float *xb = work, *yb = xb + (int64_t)batch * d;
    float *cursor = yb + (int64_t)batch * n_out;
    for (l = 0; l < n_layers; l++) {
        acts[l] = cursor;
        cursor += (int64_t)batch * units[l + 1];
        deltas[l] = cursor;
        cursor += (int64_t)batch * units[l + 1];
    }

    double total_loss = 0.0;
    int64_t correct = 0;
    double squares = sum_squares(params, n_weights); /* kept up to date by the updates */
    for (int64_t lo = 0; lo < n_rows; lo += batch) {
        const int rows = (int)(n_rows - lo < batch ? n_rows - lo : batch);
        const int64_t *idx = order + lo;
        for (i = 0; i < rows; i++) {
            memcpy(xb + (int64_t)i * d, X + idx[i] * d, sizeof(float) * d);
            memcpy(yb + (int64_t)i * n_out, T + idx[i] * n_out, sizeof(float) * n_out);
        }

        /* forward */
        const float *a = xb;
        for (l = 0; l < n_layers; l++) {
            const int fo = units[l + 1];
            forward(sgemm, a, W[l], acts[l], rows, units[l], fo);
            for (i = 0; i < rows; i++) {
                float *row = acts[l] + (int64_t)i * fo;
                for (int j = 0; j < fo; j++) row[j] += b[l][j];
            }
            if (l < n_layers - 1) activate(acts[l], (int64_t)rows * fo, hidden_act);
            a = acts[l];
        }
        float *out = acts[n_layers - 1];

        /* output activation, log loss (clipped as scikit-learn's), accuracy */
        double log_sum = 0.0;
        for (i = 0; i < rows; i++) {
            float *row = out + (int64_t)i * n_out;
            const int64_t label = labels[idx[i]];
            float p;
            if (softmax_out) {
                float top = row[0];
                int arg = 0;
                for (int j = 1; j < n_out; j++)
                    if (row[j] > top) {
                        top = row[j];
                        arg = j;
                    }
                float total = 0.0f;
                for (int j = 0; j < n_out; j++) {
                    row[j] = expf(row[j] - top);
                    total += row[j];
                }
                for (int j = 0; j < n_out; j++) row[j] /= total;
                correct += arg == label;
                p = row[label];
            } else {
                row[0] = expit(row[0]);
                correct += (row[0] > 0.5f) == (label == 1);
                p = label == 0 ? 1.0f - row[0] : row[0];
            }
            p = p > eps32 ? p : eps32;
            p = p < 1.0f - eps32 ? p : 1.0f - eps32;
            log_sum += logf(p); /* float32 log, as np.log on the float32 array */
        }
        const double loss = -log_sum / rows + 0.5 * alpha * squares / rows;
        total_loss += loss * rows;

        /* backward: gradients are means over the batch */
        const float inv_rows = (float)(1.0 / rows);
        float *delta = deltas[n_layers - 1];
        for (off = 0; off < (int64_t)rows * n_out; off++) delta[off] = (out[off] - yb[off]) * inv_rows;
        for (l = n_layers - 1; l >= 0; l--) {
            const int fi = units[l], fo = units[l + 1];
            const float *below = l == 0 ? xb : acts[l - 1];
            weight_grad(sgemm, below, delta, gW[l], rows, fi, fo);
            for (int j = 0; j < fo; j++) gb[l][j] = 0.0f;
            for (i = 0; i < rows; i++) {
                const float *row = delta + (int64_t)i * fo;
                for (int j = 0; j < fo; j++) gb[l][j] += row[j];
            }
            if (l > 0) {
                back(sgemm, delta, W[l], deltas[l - 1], rows, fi, fo);
                derivative(acts[l - 1], deltas[l - 1], (int64_t)rows * fi, hidden_act);
                delta = deltas[l - 1];
            }
        }
        /* the L2 term applies to weights only: added to their gradient in the update loop */
        const float decay = (float)(alpha / rows);

        /* update */
        if (solver == 0) {
            *step += 1;
            const double lr_t = lr * sqrt(1.0 - pow(beta2, (double)*step)) /
                                (1.0 - pow(beta1, (double)*step));
            const float b1 = (float)beta1, b2 = (float)beta2, e = (float)eps, s = (float)-lr_t;
            for (off = 0; off < n_weights; off++) grad[off] += params[off] * decay;
            for (off = 0; off < size; off++) {
                const float g = grad[off];
                m[off] = (m[off] - g) * b1 + g;
                const float g2 = g * g;
                v[off] = (v[off] - g2) * b2 + g2;
                params[off] += m[off] / (sqrtf(v[off]) + e) * s;
            }
        } else {
            const float rate = (float)lr, mu = (float)momentum;
            for (off = 0; off < n_weights; off++) grad[off] += params[off] * decay;
            for (off = 0; off < size; off++) {
                const float scaled = grad[off] * rate;
                m[off] = m[off] * mu - scaled;
                if (nesterov)
                    params[off] = (params[off] - scaled) + m[off] * mu;
                else
                    params[off] += m[off];
            }
        }
        squares = sum_squares(params, n_weights);
    }
    *out_loss = total_loss;
    *out_correct = correct;
    return 0;
}
