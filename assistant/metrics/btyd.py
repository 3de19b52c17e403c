"""Buy-till-you-die models: BG/NBD purchases and Gamma-Gamma spend, fitted by maximum likelihood.

Inputs are the per-customer BTYD summary, with time in DAYS:

- ``frequency`` x: repeat purchases (distinct purchase days - 1), an integer >= 0;
- ``recency`` t_x: days from the first to the last purchase (0 when x = 0), <= T;
- ``T``: days from the first purchase to the as-of date;
- ``monetary``: mean spend per repeat purchase, first purchase excluded (0 when x = 0).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a
customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each repeat
purchase they drop out with probability p ~ Beta(a, b). ``alpha`` is in days; r, a, b have no
unit. The likelihood is equation (6) of the paper, evaluated in log space (gammaln, betaln,
logaddexp) so that customers with hundreds of purchases neither overflow nor underflow.

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"): each
transaction's value is Gamma(p, nu) with nu ~ Gamma(q, v) across customers; spend is assumed
independent of the purchase process. It is fitted on repeat customers only (x > 0 and
monetary > 0), since ``monetary`` excludes the first purchase.

Both fits maximise the mean log-likelihood over log-parameters with L-BFGS-B and analytic
gradients. Identical summary rows are collapsed into weighted rows first, so the cost scales
with the number of distinct (x, t_x, T) rows rather than with customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import (
    betaincinv,
    betaln,
    digamma,
    expit,
    gammaln,
    hyp2f1,
    roots_legendre,
)

FloatArray = npt.NDArray[np.float64]

# Log-parameters are kept within [-_LOG_BOUND, _LOG_BOUND] (about 1e-8 .. 1e8 after scaling)
# so that a flat likelihood cannot push the optimiser to overflow.
_LOG_BOUND = 18.0
# Gauss-Legendre nodes for the last-resort quadrature in `_growth`.
_QUADRATURE_NODES = 64


class FitError(RuntimeError):
    """The data cannot identify the model, or the optimiser failed."""


@dataclass(frozen=True)
class BGNBDParams:
    """BG/NBD parameters: purchase rate ~ Gamma(r, alpha) (alpha in days), dropout ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend per transaction ~ Gamma(p, nu), nu ~ Gamma(q, v)."""

    p: float
    q: float
    v: float


# --------------------------------------------------------------------------- validation


def _as_1d(name: str, values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional array, got shape {array.shape}")
    return array


def _first_bad(name: str, bad: npt.NDArray[np.bool_], values: FloatArray, rule: str) -> None:
    if bad.any():
        index = int(np.argmax(bad))
        raise ValueError(f"{name}[{index}] = {float(values[index])!r}: {rule}")


def validate_summary(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 - the literature's name
    monetary: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """Check a BTYD summary; raise ValueError naming the first offending field and index."""
    x = _as_1d("frequency", frequency)
    tx = _as_1d("recency", recency)
    big_t = _as_1d("T", T)
    arrays = {"frequency": x, "recency": tx, "T": big_t}
    m = None
    if monetary is not None:
        m = arrays["monetary"] = _as_1d("monetary", monetary)
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have equal lengths, got {lengths}")
    for name, array in arrays.items():
        _first_bad(name, ~np.isfinite(array), array, "must be finite")
        _first_bad(name, array < 0, array, "must be non-negative")
    _first_bad("frequency", x != np.floor(x), x, "must be an integer")
    _first_bad("recency", tx > big_t, tx, "must not exceed T (recency <= T)")
    _first_bad("recency", (x == 0) & (tx != 0), tx, "must be 0 when frequency is 0")
    return x, tx, big_t, m


# --------------------------------------------------------------------------- helpers


def _integer_key(columns: tuple[FloatArray, ...]) -> npt.NDArray[np.int64] | None:
    """One int64 per row when every column holds small non-negative whole numbers (days)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    capacity = 1
    for column in columns:
        top = int(column.max())
        capacity *= top + 1
        if column.min() < 0 or capacity >= 2**62 or not np.array_equal(column, np.floor(column)):
            return None
        key = key * (top + 1) + column.astype(np.int64)
    return key


def _group_rows(
    *columns: FloatArray,
) -> tuple[list[FloatArray], FloatArray, npt.NDArray[np.intp]]:
    """Distinct rows of the given columns, their counts, and each input row's group index."""
    n = len(columns[0])
    if n == 0:
        return [c[:0] for c in columns], np.zeros(0), np.zeros(0, dtype=np.intp)
    key = _integer_key(columns)
    if key is not None:
        # Whole-day summaries (the normal case): sorting one int64 key is several times faster.
        _, first, inverse, key_counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        return [c[first] for c in columns], key_counts.astype(np.float64), inverse.astype(np.intp)
    order = np.lexsort(columns[::-1])
    starts = np.ones(n, dtype=bool)
    starts[1:] = np.logical_or.reduce([np.diff(c[order]) != 0 for c in columns])
    group_of_sorted = np.cumsum(starts) - 1
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = group_of_sorted
    first = order[starts]
    counts = np.bincount(group_of_sorted).astype(np.float64)
    return [c[first] for c in columns], counts, inverse


def _dot(u: FloatArray, v: FloatArray) -> float:
    # Not `u @ v`: a BLAS call spins up threads, 100x slower than this on a loaded machine.
    return float(np.sum(u * v))


def _minimise(objective: Any, start: FloatArray, what: str) -> tuple[FloatArray, float]:
    """Minimise `objective` (value, gradient) over log-parameters; raise FitError on failure."""
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    with np.errstate(all="ignore"):
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
        )
        if not result.success:
            # L-BFGS-B sometimes stops on a line-search failure close to the optimum; polish
            # with a derivative-free method before declaring failure.
            result = minimize(
                lambda z: objective(z)[0],
                result.x,
                method="Nelder-Mead",
                options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-10},
            )
    if not result.success or not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitError(f"{what}: optimiser did not converge ({result.message})")
    return np.asarray(result.x, dtype=np.float64), float(result.fun)


# --------------------------------------------------------------------------- BG/NBD


@dataclass(frozen=True)
class _Summary:
    """Weighted distinct summary rows, plus the distinct frequencies for per-x terms."""

    x: FloatArray
    tx: FloatArray
    big_t: FloatArray
    w: FloatArray
    ux: FloatArray  # distinct frequencies
    wx: FloatArray  # total weight per distinct frequency
    ix: npt.NDArray[np.intp]  # row -> index into ux

    @classmethod
    def of(cls, x: FloatArray, tx: FloatArray, big_t: FloatArray, w: FloatArray) -> _Summary:
        ux, ix = np.unique(x, return_inverse=True)
        wx = np.asarray(np.bincount(ix, weights=w, minlength=len(ux)), dtype=np.float64)
        return cls(x, tx, big_t, w, ux, wx, ix.astype(np.intp))


def _bgnbd_terms(
    log_params: FloatArray, d: _Summary
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Weighted log-likelihood, and the per-row pieces of its logaddexp (for gradients).

    Gamma and beta functions depend on x only, so they are evaluated once per distinct x.
    """
    r, alpha, a, b = np.exp(log_params)
    ux = d.ux
    a1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + ux) - betaln(a, b)
    log_alpha_t = np.log(alpha + d.big_t)
    log_alpha_tx = np.log(alpha + d.tx)
    a3 = -(r + d.x) * log_alpha_t
    # Only customers with a repeat purchase can have dropped out after their last one.
    log_drop = (np.log(a) - np.log(b + np.maximum(ux, 1) - 1))[d.ix]
    a4 = np.where(d.x > 0, log_drop - (r + d.x) * log_alpha_tx, -np.inf)
    mixed = np.logaddexp(a3, a4)
    total = _dot(d.wx, a1 + a2) + _dot(d.w, mixed)
    return total, np.exp(a3 - mixed) * d.w, np.exp(a4 - mixed) * d.w, log_alpha_t


def _bgnbd_objective(
    log_params: FloatArray, d: _Summary, penalizer: float
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood (plus penalty) and its gradient in log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    ll, w3, w4, log_alpha_t = _bgnbd_terms(log_params, d)
    ux, wx, x = d.ux, d.wx, d.x
    ab_x = digamma(a + b) - digamma(a + b + ux)
    d_r = _dot(wx, digamma(r + ux) - digamma(r) + np.log(alpha))
    d_r -= _dot(w3, log_alpha_t) + _dot(w4, np.log(alpha + d.tx))
    d_alpha = _dot(wx, np.full_like(ux, r / alpha))
    d_alpha -= _dot(r + x, w3 / (alpha + d.big_t) + w4 / (alpha + d.tx))
    d_a = _dot(wx, ab_x) + w4.sum() / a
    d_b = _dot(wx, digamma(b + ux) - digamma(b) + ab_x)
    d_b -= _dot(w4, 1.0 / (b + np.maximum(x, 1) - 1))
    total = d.w.sum()
    # Chain rule to log-parameters: d/d(log theta) = theta * d/d(theta).
    grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b]) / total
    value = -ll / total + penalizer * _dot(log_params, log_params)
    return float(value), -grad + 2.0 * penalizer * log_params


def bgnbd_log_likelihood(
    params: BGNBDParams,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> float:
    """Total BG/NBD log-likelihood of the summary under `params` (time in days)."""
    x, tx, big_t, _ = validate_summary(frequency, recency, T)
    log_params = np.log([params.r, params.alpha, params.a, params.b])
    return _bgnbd_terms(log_params, _Summary.of(x, tx, big_t, np.ones_like(x)))[0]


def fit_bgnbd(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
    *,
    penalizer: float = 0.0,
) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters; raises FitError when they cannot be estimated.

    `penalizer` adds ``penalizer * sum(log(theta)**2)`` to the mean negative log-likelihood,
    with alpha measured in units of the mean T, so it shrinks every parameter towards 1.
    """
    x, tx, big_t, _ = validate_summary(frequency, recency, T)
    if not (np.isfinite(penalizer) and penalizer >= 0):
        raise ValueError(f"penalizer must be a finite number >= 0, got {penalizer!r}")
    if not (x > 0).any():
        raise FitError("BG/NBD: no repeat purchases, so purchase rate and dropout are unknown")
    # Work in units of the mean T: the optimiser then starts near the optimum at any time scale.
    scale = float(big_t.mean()) or 1.0
    (ux, utx, ut), w, _ = _group_rows(x, tx, big_t)
    data = _Summary.of(ux, utx / scale, ut / scale, w)
    rate = _dot(w, ux) / max(_dot(w, data.big_t), 1e-12)
    start = np.log([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])
    start = np.clip(start, -_LOG_BOUND + 1, _LOG_BOUND - 1)
    best, _ = _minimise(lambda z: _bgnbd_objective(z, data, penalizer), start, "BG/NBD")
    r, alpha, a, b = np.exp(best)
    return BGNBDParams(r=float(r), alpha=float(alpha * scale), a=float(a), b=float(b))


def probability_alive(
    params: BGNBDParams,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> FloatArray:
    """P(still active at T | x, t_x, T); exactly 1 for customers without repeat purchases."""
    x, tx, big_t, _ = validate_summary(frequency, recency, T)
    return _p_alive(params, x, tx, big_t)


def _p_alive(params: BGNBDParams, x: FloatArray, tx: FloatArray, big_t: FloatArray) -> FloatArray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_odds_dead = (
        np.log(a)
        - np.log(b + np.maximum(x, 1) - 1)
        + (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def _growth(params: BGNBDParams, t: float, x: FloatArray, big_t: FloatArray) -> FloatArray:
    """E[purchases in (T, T + t] | alive, x, T]; does not depend on recency.

    FHL (2005) eq. (10) without its P(alive) factor. scipy's 2F1 fails (NaN) in some corners
    of the parameter space, so three evaluations are tried in turn, keeping the first result
    inside the bounds [0, (r + x) t / (alpha + T)] that the true value always satisfies:
    the Euler-transformed 2F1 (accurate for heavy buyers), the paper's form (accurate for very
    large a and b), and quadrature over the dropout probability.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1.0) < 1e-4:
        # The formula has a removable 0/0 at a = 1; average the two sides (error ~1e-8).
        below = BGNBDParams(r, alpha, 1.0 - 2e-4, b)
        above = BGNBDParams(r, alpha, 1.0 + 2e-4, b)
        return 0.5 * (_growth(below, t, x, big_t) + _growth(above, t, x, big_t))
    if t == 0 or len(x) == 0:
        return np.zeros_like(x)
    bound = (r + x) * t / (alpha + big_t)
    with np.errstate(all="ignore"):
        z = t / (alpha + big_t + t)
        c = a + b + x - 1
        # Euler: 2F1(A, B; C; z) = (1 - z)^(C-A-B) 2F1(C-A, C-B; C; z).
        tail = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(c - r - x, a - 1, c, z)
        result = (c / (a - 1)) * (1.0 - tail)
        bad = ~((result >= -1e-9 * bound) & (result <= bound * (1 + 1e-9)))
        if bad.any():
            zb, cb, xb = z[bad], c[bad], x[bad]
            tail = np.exp((r + xb) * np.log1p(-zb)) * hyp2f1(r + xb, b + xb, cb, zb)
            result[bad] = (cb / (a - 1)) * (1.0 - tail)
            bad = ~((result >= -1e-9 * bound) & (result <= bound * (1 + 1e-9)))
        if bad.any():
            result[bad] = _growth_by_quadrature(params, t, x[bad], big_t[bad])
    return np.asarray(np.clip(result, 0.0, bound), dtype=np.float64)


def _growth_by_quadrature(
    params: BGNBDParams, t: float, x: FloatArray, big_t: FloatArray
) -> FloatArray:
    """`_growth` as E[(1 - (1 + p k)^-(r+x)) / p] over p ~ Beta(a, b + x), k = t / (alpha + T).

    The purchase rate is integrated out exactly; the dropout probability by Gauss-Legendre
    quadrature on its quantile function (within about 0.5 % even in extreme corners).
    """
    nodes, weights = roots_legendre(_QUADRATURE_NODES)
    u, weights = (nodes + 1) / 2, weights / 2
    k = t / (params.alpha + big_t)
    s = params.r + x
    result = np.empty_like(x)
    for value in np.unique(x):  # a loop over distinct frequencies, not over customers
        rows = x == value
        p = betaincinv(params.a, params.b + value, u)[None, :]
        sk = (s[rows] * k[rows])[:, None]
        safe_p = np.where(p > 0, p, 1.0)
        h = np.where(p > 0, -np.expm1(-s[rows, None] * np.log1p(p * k[rows, None])) / safe_p, sk)
        result[rows] = np.sum(h * weights, axis=1)
    return result


def expected_purchases(
    params: BGNBDParams,
    t: float,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
) -> FloatArray:
    """Expected repeat purchases in the next `t` days, given each customer's history."""
    if not (np.isfinite(t) and t >= 0):
        raise ValueError(f"t must be a finite number of days >= 0, got {t!r}")
    x, tx, big_t, _ = validate_summary(frequency, recency, T)
    return _growth(params, float(t), x, big_t) * _p_alive(params, x, tx, big_t)


# --------------------------------------------------------------------------- Gamma-Gamma


def _gg_objective(
    log_params: FloatArray, x: FloatArray, m: FloatArray, w: FloatArray, penalizer: float
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood (plus penalty) of FHL's eq. (3), gradient in log-params.

    Each customer contributes the density of their mean spend m over x purchases:
    Gamma(px + q) / (Gamma(px) Gamma(q)) v^q m^(px-1) x^px / (v + x m)^(px+q).
    """
    p, q, v = np.exp(log_params)
    px = p * x
    log_total = np.log(v + x * m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_total
    )
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = digamma(px + q) - digamma(q) + np.log(v) - log_total
    d_v = q / v - (px + q) / (v + x * m)
    total = w.sum()
    grad = np.array([p * _dot(w, d_p), q * _dot(w, d_q), v * _dot(w, d_v)]) / total
    value = -_dot(w, ll) / total + penalizer * _dot(log_params, log_params)
    return float(value), -grad + 2.0 * penalizer * log_params


def _validate_spend(
    frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x = _as_1d("frequency", frequency)
    m = _as_1d("monetary", monetary)
    if len(x) != len(m):
        raise ValueError(
            f"arrays must have equal lengths, got {{'frequency': {len(x)}, 'monetary': {len(m)}}}"
        )
    for name, array in (("frequency", x), ("monetary", m)):
        _first_bad(name, ~np.isfinite(array), array, "must be finite")
        _first_bad(name, array < 0, array, "must be non-negative")
    _first_bad("frequency", x != np.floor(x), x, "must be an integer")
    return x, m


def fit_gamma_gamma(
    frequency: npt.ArrayLike, monetary: npt.ArrayLike, *, penalizer: float = 0.0
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers (x > 0, monetary > 0).

    `penalizer` works as in `fit_bgnbd`, with v measured in units of the mean monetary value.
    Raises FitError when fewer than two repeat customers have spend or the optimiser fails.
    """
    x, m = _validate_spend(frequency, monetary)
    if not (np.isfinite(penalizer) and penalizer >= 0):
        raise ValueError(f"penalizer must be a finite number >= 0, got {penalizer!r}")
    keep = (x > 0) & (m > 0)
    if keep.sum() < 2:
        raise FitError("Gamma-Gamma: fewer than two repeat customers with spend")
    scale = float(m[keep].mean())
    (ux, um), w, _ = _group_rows(x[keep], m[keep] / scale)
    if len(um) == 1 or np.ptp(um) == 0:
        raise FitError("Gamma-Gamma: every repeat customer has the same spend; no variation to fit")
    # Start at p = 1, q = 2 (a finite-mean prior) with the prior mean equal to the observed mean.
    start = np.log([1.0, 2.0, _dot(w, um) / w.sum()])
    best, _ = _minimise(lambda z: _gg_objective(z, ux, um, w, penalizer), start, "Gamma-Gamma")
    p, q, v = np.exp(best)
    return GammaGammaParams(p=float(p), q=float(q), v=float(v * scale))


def population_mean_spend(params: GammaGammaParams) -> float:
    """Mean spend per transaction under the prior, p v / (q - 1); infinite when q <= 1."""
    return params.p * params.v / (params.q - 1) if params.q > 1 else float("inf")


def expected_spend(
    params: GammaGammaParams, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> FloatArray:
    """Conditional expected spend per transaction: p (v + x m) / (p x + q - 1).

    Customers without usable spend history (x = 0 or monetary = 0) get the population mean
    p v / (q - 1). Requires q > 1, where that mean is finite.
    """
    if params.q <= 1:
        raise ValueError(f"q = {params.q!r}: the population mean spend needs q > 1")
    x, m = _validate_spend(frequency, monetary)
    x = np.where(m > 0, x, 0.0)
    p, q, v = params.p, params.q, params.v
    return np.asarray(p * (v + x * m) / (p * x + q - 1), dtype=np.float64)
