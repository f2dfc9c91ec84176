"""CTC loss and its gradient w.r.t. the logits, in numpy (log-space forward-backward).

Graves et al. 2006: the label is extended with blanks, l' = [blank, l1, blank, l2, ..., blank]
(S = 2L + 1 states). alpha[t, s] = log P(prefix of l' up to s, emitted in steps 0..t), beta[t, s] =
log P(suffix from s, emitted in steps t..T-1), both including the emission at (t, s). Then
P(l | x) = sum_s exp(alpha[t, s] + beta[t, s] - logp[t, l'_s]) for every t, and with y = softmax(logits):

    d(-log P) / d logits[t, k] = y[t, k] - (1 / P) * sum_{s: l'_s = k} exp(alpha[t, s] + beta[t, s] - logp[t, l'_s])
"""

import numpy as np

NEG_INF = -np.inf


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _lse(*xs):
    """Elementwise log(sum(exp(x))) over arrays of the same shape, -inf safe."""
    m = np.maximum.reduce(xs)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(sum(np.exp(x - safe) for x in xs))


def _shift(a, k):
    """a moved k places right (k > 0) or left (k < 0), filled with -inf, same length."""
    out = np.full_like(a, NEG_INF)
    if k > 0:
        out[k:] = a[:-k] if k < len(a) else out[k:]
    elif -k < len(a):
        out[:k] = a[-k:]
    return out


def ctc_loss_grad(logits, labels, blank=0):
    """-log P(labels | logits) and its gradient w.r.t. logits ([T, C]); labels: class ids without blanks.
    Returns (inf, None) when no alignment fits in T steps."""
    logits = np.asarray(logits, np.float64)
    T, C = logits.shape
    logp = log_softmax(logits)
    ext = np.full(2 * len(labels) + 1, blank, np.int64)
    ext[1::2] = labels
    S = len(ext)
    lp = logp[:, ext]                                    # [T, S] emission log-probs
    # s may come from s-2 when l'_s is a label different from l'_{s-2}
    skip = np.zeros(S, bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])

    alpha = np.full((T, S), NEG_INF)
    alpha[0, 0] = lp[0, 0]
    if S > 1:
        alpha[0, 1] = lp[0, 1]
    for t in range(1, T):
        a = alpha[t - 1]
        a2 = np.where(skip, _shift(a, 2), NEG_INF)
        a1 = _shift(a, 1)
        alpha[t] = _lse(a, a1, a2) + lp[t]

    beta = np.full((T, S), NEG_INF)
    beta[T - 1, S - 1] = lp[T - 1, S - 1]
    if S > 1:
        beta[T - 1, S - 2] = lp[T - 1, S - 2]
    skip_next = np.zeros(S, bool)                        # s+2 may come from s
    skip_next[:-2] = skip[2:]
    for t in range(T - 2, -1, -1):
        b = beta[t + 1]
        b1 = _shift(b, -1)
        b2 = np.where(skip_next, _shift(b, -2), NEG_INF)
        beta[t] = _lse(b, b1, b2) + lp[t]

    log_z = np.logaddexp(alpha[T - 1, S - 1], alpha[T - 1, S - 2]) if S > 1 else alpha[T - 1, 0]
    if not np.isfinite(log_z):
        return np.inf, None
    post = np.exp(alpha + beta - lp - log_z)             # [T, S] state occupancy
    occ = np.zeros((T, C))
    for s in range(S):
        occ[:, ext[s]] += post[:, s]
    grad = np.exp(logp) - occ
    return -log_z, grad.astype(np.float32)
